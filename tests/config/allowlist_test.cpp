#include "config/allowlist.hpp"

#include <gtest/gtest.h>

namespace smtp_exporter::config {
namespace {

ProbeAllowList list_of(std::initializer_list<const char*> patterns) {
  ProbeAllowList list;
  for (const char* text : patterns) {
    std::string why;
    auto p = ProbeAllowList::parse(text, &why);
    EXPECT_TRUE(p.has_value()) << text << ": " << why;
    if (p) list.add(*p);
  }
  return list;
}

HostPort name_port(std::string host, std::uint16_t port) {
  HostPort address;
  address.host = std::move(host);
  address.port = port;
  return address;
}

TEST(ProbeAllowList, ParsesCidrsGlobsAndPorts) {
  for (const char* good : {"10.0.0.0/8", "127.0.0.1/32", "10.0.0.0/8:25", "2001:db8::/32", "[2001:db8::/32]:465",
                           "*.mail.example.org", "mx?.example.org:25", "localhost"}) {
    std::string why;
    EXPECT_TRUE(ProbeAllowList::parse(good, &why).has_value()) << good << ": " << why;
  }
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "300.0.0.0/8", "2001:db8::/129", "*.example.org:0",
                          "*.example.org:70000", "mx example.org", "[2001:db8::/32", "a/b/c", "x:y"}) {
    std::string why;
    EXPECT_FALSE(ProbeAllowList::parse(bad, &why).has_value()) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(ProbeAllowList, GlobsMatchNamesCaseInsensitivelyAndPorts) {
  const auto list = list_of({"*.mail.example.org", "mx?.example.net:25"});
  EXPECT_TRUE(list.allows_name(name_port("in.MAIL.example.org", 25)));
  EXPECT_TRUE(list.allows_name(name_port("in.mail.example.org", 587)));
  EXPECT_FALSE(list.allows_name(name_port("mail.example.org", 25)));  // the glob needs a label before
  EXPECT_TRUE(list.allows_name(name_port("mx1.example.net", 25)));
  EXPECT_FALSE(list.allows_name(name_port("mx1.example.net", 465)));
  EXPECT_FALSE(list.allows_name(name_port("evil.example.com", 25)));
  EXPECT_FALSE(list.has_cidrs());
}

TEST(ProbeAllowList, CidrsMatchAddressesOfTheirFamily) {
  const auto list = list_of({"10.0.0.0/8", "192.0.2.0/24:25", "2001:db8::/32"});
  EXPECT_TRUE(list.has_cidrs());
  EXPECT_TRUE(list.allows_address("10.1.2.3", 25));
  EXPECT_FALSE(list.allows_address("11.1.2.3", 25));
  EXPECT_TRUE(list.allows_address("192.0.2.7", 25));
  EXPECT_FALSE(list.allows_address("192.0.2.7", 587));
  EXPECT_TRUE(list.allows_address("2001:db8:1::5", 25));
  EXPECT_FALSE(list.allows_address("2001:db9::5", 25));
  EXPECT_FALSE(list.allows_address("::ffff:10.1.2.3", 25));  // mapped addresses are IPv6
  EXPECT_FALSE(list.allows_address("not an address", 25));
}

}  // namespace
}  // namespace smtp_exporter::config
