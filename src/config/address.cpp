// Host names and addresses: "host[:port]" targets (from the config file and from /probe?target=,
// so strict) and the EHLO argument.
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "config/config.hpp"
#include "util/port.hpp"
#include "util/text.hpp"

namespace smtp_exporter::config {
namespace {

using util::is_digit;

// Dotted quad with each octet 0-255; leading zeros are refused because inet_aton() and
// friends would read them as octal.
bool is_ipv4(std::string_view text) {
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (text.empty() || text.front() != '.') return false;
      text.remove_prefix(1);
    }
    std::size_t digits = 0;
    while (digits < text.size() && is_digit(text[digits])) ++digits;
    if (digits == 0 || digits > 3 || (digits > 1 && text.front() == '0')) return false;
    int value = 0;
    std::from_chars(text.data(), text.data() + digits, value);
    if (value > 255) return false;
    text.remove_prefix(digits);
  }
  return text.empty();
}

bool is_ipv6(std::string_view text) {
  in6_addr address{};
  return !text.empty() && text.size() < INET6_ADDRSTRLEN &&
         inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

// Why `name` (dot-separated labels, no trailing dot) is not a DNS name; empty if it is one.
// Underscores are not LDH but occur in real host names, so targets allow them; EHLO does not.
std::string dns_name_problem(std::string_view name, bool allow_underscore) {
  if (name.size() > 253) return "host name longer than 253 characters";
  while (true) {
    const std::string_view label = name.substr(0, name.find('.'));
    if (label.empty()) return "empty label in host name";
    if (label.size() > 63) return "label longer than 63 characters in host name";
    for (char c : label) {
      if (!util::is_alpha(c) && !is_digit(c) && c != '-' && !(allow_underscore && c == '_')) {
        return std::string("invalid character '") + c + "' in host name";
      }
    }
    if (label.front() == '-' || label.back() == '-') return "label starts or ends with '-'";
    if (label.size() == name.size()) return {};
    name.remove_prefix(label.size() + 1);
  }
}

// Why `text` is not a port 1-65535 written plainly (no sign, no leading zero); empty if it is one.
std::string port_problem(std::string_view text, std::uint16_t& port) {
  if (text.empty()) return "missing port after ':'";
  if (!std::all_of(text.begin(), text.end(), is_digit) ||
      (text.front() == '0' && text.size() > 1)) {
    return "port is not a number";
  }
  const std::optional<std::uint16_t> value = util::parse_port(text);
  if (!value || *value == 0) return "port out of range 1-65535";
  port = *value;
  return {};
}

// Why `text` is not "host[:port]"; empty if it is one, with the result in `out`.
std::string host_port_problem(std::string_view text, HostPort& out) {
  if (text.empty()) return "empty address";
  if (text.size() > 255) return "longer than 255 characters";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == ' ' || c == '\t') return "contains whitespace";
    if (byte < 0x20 || byte == 0x7f) return "contains a control character";
    if (byte >= 0x80) return "contains a non-ASCII character";
  }
  // Say what is wrong with a URL-like input rather than "invalid character".
  if (text.find("://") != std::string_view::npos) return "must not have a scheme";
  if (text.find('/') != std::string_view::npos) return "must not have a path";
  if (text.find('@') != std::string_view::npos) return "must not have a user part";

  std::string_view host = text;
  std::optional<std::string_view> port;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return "missing ']' after IPv6 address";
    host = text.substr(1, close - 1);
    if (!is_ipv6(host)) return "invalid IPv6 address";
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "unexpected text after ']'";
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
      if (text.find(':', colon + 1) != std::string_view::npos) {
        return "IPv6 address must be in brackets";
      }
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
    if (host.empty()) return "empty host";
    const bool numeric = host.find_first_not_of("0123456789.") == std::string_view::npos &&
                         host.find_first_of("0123456789") != std::string_view::npos;
    if (numeric) {
      if (!is_ipv4(host)) return "invalid IPv4 address";
    } else {
      // A trailing dot (an absolute name) is kept as written.
      std::string_view name = host;
      if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
      if (std::string why = dns_name_problem(name, true); !why.empty()) return why;
    }
  }
  if (port) {
    if (std::string why = port_problem(*port, out.port); !why.empty()) return why;
  }
  out.host = std::string(host);
  return {};
}

}  // namespace

std::string HostPort::to_string() const {
  if (is_unix()) return "unix:" + unix_path;
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<std::string> parse_domain_name(std::string_view text, std::string* why) {
  std::string name;
  for (const char c : text) name += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  if (!name.empty() && name.back() == '.') name.pop_back();
  std::string problem = name.empty() ? "empty domain" : dns_name_problem(name, true);
  if (problem.empty() && (is_ipv4(name) || is_ipv6(name))) problem = "an address, not a domain";
  if (problem.empty()) return name;
  if (why != nullptr) *why = std::move(problem);
  return std::nullopt;
}

std::optional<HostPort> parse_host_port(std::string_view text, std::string* why) {
  HostPort result;
  std::string problem = host_port_problem(text, result);
  if (problem.empty()) return result;
  if (why != nullptr) *why = std::move(problem);
  return std::nullopt;
}

bool is_valid_ehlo_name(std::string_view text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    const std::string_view literal = text.substr(1, text.size() - 2);
    const bool tagged = util::equals_ignoring_case(literal.substr(0, 5), "IPv6:");  // RFC 5321: any case
    return tagged ? is_ipv6(literal.substr(5)) : is_ipv4(literal);
  }
  // An FQDN has at least two labels, and its last one is not all digits ("192.0.2.1" bare is
  // an address, which EHLO wants in brackets).
  const std::size_t last_dot = text.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  const std::string_view top = text.substr(last_dot + 1);
  if (!top.empty() && std::all_of(top.begin(), top.end(), is_digit)) return false;
  return dns_name_problem(text, false).empty();
}

std::string default_ehlo_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "[127.0.0.1]";

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* found = nullptr;
  if (getaddrinfo(host, nullptr, &hints, &found) == 0) {
    const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
    if (found->ai_canonname != nullptr && is_valid_ehlo_name(found->ai_canonname)) {
      return found->ai_canonname;
    }
  }
  if (is_valid_ehlo_name(host)) return host;
  return "[127.0.0.1]";
}

}  // namespace smtp_exporter::config
