#include <gtest/gtest.h>

#include "config/config.hpp"

namespace smtp_exporter::config {
namespace {

// "label.label...." of the given total length, labels of 63 characters at most.
std::string long_name(std::size_t length) {
  std::string name;
  while (name.size() < length) {
    if (!name.empty()) name += '.';
    name += std::string(std::min<std::size_t>(63, length - name.size()), 'a');
  }
  return name;
}

TEST(ParseHostPort, AcceptsHostsAndPorts) {
  struct Case {
    std::string text;
    std::string host;
    std::uint16_t port;
    std::string written;  // HostPort::to_string()
  };
  const Case cases[] = {
      {"mx1.example.org", "mx1.example.org", 25, "mx1.example.org:25"},
      {"MX1.Example.ORG:2525", "MX1.Example.ORG", 2525, "MX1.Example.ORG:2525"},
      {"mx1.example.org.:587", "mx1.example.org.", 587, "mx1.example.org.:587"},
      {"localhost", "localhost", 25, "localhost:25"},
      {"_smtp.example.org", "_smtp.example.org", 25, "_smtp.example.org:25"},
      {"xn--bcher-kva.example:1", "xn--bcher-kva.example", 1, "xn--bcher-kva.example:1"},
      {"192.0.2.1:65535", "192.0.2.1", 65535, "192.0.2.1:65535"},
      {"0.0.0.0", "0.0.0.0", 25, "0.0.0.0:25"},
      {"[::1]:2525", "::1", 2525, "[::1]:2525"},
      {"[2001:db8::1]", "2001:db8::1", 25, "[2001:db8::1]:25"},
      {"[::ffff:192.0.2.1]:25", "::ffff:192.0.2.1", 25, "[::ffff:192.0.2.1]:25"},
      {long_name(253), long_name(253), 25, long_name(253) + ":25"},  // too long to parse again
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    std::string why;
    const auto parsed = parse_host_port(c.text, &why);
    ASSERT_TRUE(parsed) << why;
    EXPECT_EQ(parsed->host, c.host);
    EXPECT_EQ(parsed->port, c.port);
    EXPECT_EQ(parsed->to_string(), c.written);
    if (c.written.size() <= 255) {
      EXPECT_EQ(parse_host_port(c.written, nullptr), parsed);
    }
  }
}

TEST(ParseHostPort, RejectsWithAReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty address"},
      {std::string(256, 'a'), "longer than 255 characters"},
      {"mx1 .example.org", "contains whitespace"},
      {"mx1.example.org\t", "contains whitespace"},
      {"mx1.example.org\r\nRCPT TO:<x>", "contains a control character"},
      {std::string("mx1\0.example.org", 16), "contains a control character"},
      {"h\xc3\xa9llo.example", "contains a non-ASCII character"},
      {"smtp://mx1.example.org", "must not have a scheme"},
      {"mx1.example.org/path", "must not have a path"},
      {"user@mx1.example.org", "must not have a user part"},
      {"::1", "IPv6 address must be in brackets"},
      {"2001:db8::1:25", "IPv6 address must be in brackets"},
      {"[::1", "missing ']' after IPv6 address"},
      {"[::1]x", "unexpected text after ']'"},
      {"[::1]:", "missing port after ':'"},
      {"[fe80::1%eth0]:25", "invalid IPv6 address"},
      {"[192.0.2.1]", "invalid IPv6 address"},
      {"[]", "invalid IPv6 address"},
      {"mx1.example.org:", "missing port after ':'"},
      {":25", "empty host"},
      {"mx1.example.org:0", "port out of range 1-65535"},
      {"mx1.example.org:65536", "port out of range 1-65535"},
      {"mx1.example.org:99999999999", "port out of range 1-65535"},
      {"mx1.example.org:+25", "port is not a number"},
      {"mx1.example.org:-25", "port is not a number"},
      {"mx1.example.org:025x", "port is not a number"},
      {"mx1.example.org:025", "port is not a number"},
      {"192.0.2.256", "invalid IPv4 address"},
      {"192.0.2", "invalid IPv4 address"},
      {"192.0.2.1.5", "invalid IPv4 address"},
      {"192.0.2.1.", "invalid IPv4 address"},
      {"010.0.2.1", "invalid IPv4 address"},
      {"-mx.example.org", "label starts or ends with '-'"},
      {"mx-.example.org", "label starts or ends with '-'"},
      {"mx1..example.org", "empty label in host name"},
      {".example.org", "empty label in host name"},
      {".", "empty label in host name"},
      {"mx1.example.org..", "empty label in host name"},
      {std::string(64, 'a') + ".example", "label longer than 63 characters in host name"},
      {long_name(254), "host name longer than 253 characters"},
      {"mx1.example.org?x=1", "invalid character '?' in host name"},
      {"mx1.example.org#25", "invalid character '#' in host name"},
      // Unix sockets are for the config file only, never for /probe?target=.
      {"unix:/run/dovecot/lmtp", "must not have a path"},
      {"unix:lmtp", "port is not a number"},
  };
  for (const auto& [text, reason] : cases) {
    SCOPED_TRACE(text);
    std::string why;
    EXPECT_EQ(parse_host_port(text, &why), std::nullopt);
    EXPECT_EQ(why, reason);
  }
}

TEST(ParseHostPort, ReasonIsOptional) { EXPECT_EQ(parse_host_port("::1", nullptr), std::nullopt); }

TEST(IsValidEhloName, AcceptsFqdnsAndAddressLiterals) {
  for (const char* name :
       {"probe.example.org", "mx-1.example.org", "localhost.localdomain", "PROBE.Example.Org",
        "a.b", "[192.0.2.1]", "[IPv6:2001:db8::1]", "[ipv6:::1]", "[IPV6:::ffff:192.0.2.1]"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(is_valid_ehlo_name(name));
  }
}

TEST(IsValidEhloName, RejectsEverythingElse) {
  for (const char* name :
       {"", "prober", "localhost", "probe.example.org.", "_probe.example.org", "192.0.2.1",
        "probe.example.123", "-probe.example.org", "probe..example.org", "probe .example.org",
        "probe.example.org\r\n", "[192.0.2.256]", "[2001:db8::1]", "[IPv6:2001:db8::zz]",
        "[IPv6:192.0.2.1]", "[IPv6:]", "[]", "[192.0.2.1", "IPv6:2001:db8::1"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(is_valid_ehlo_name(name));
  }
}

TEST(DefaultEhloName, IsAValidEhloName) {
  EXPECT_TRUE(is_valid_ehlo_name(default_ehlo_name())) << default_ehlo_name();
}

}  // namespace
}  // namespace smtp_exporter::config
