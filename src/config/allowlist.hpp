// --probe.allow: which targets /probe may connect to. Plain values and matching, no sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace smtp_exporter::config {

class ProbeAllowList {
 public:
  // One pattern: a CIDR ("10.0.0.0/8", "2001:db8::/32", "[2001:db8::/32]:25") or a host glob
  // ("*.mail.example.org", "mx?.example.org:25"), each optionally with ":port".
  struct Pattern {
    bool is_cidr = false;
    std::string glob;                     // lower case, for host globs
    int family = 0;                       // AF_INET or AF_INET6, for CIDRs
    std::array<unsigned char, 16> net{};  // network bytes, for CIDRs
    int prefix = 0;
    std::uint16_t port = 0;               // 0: any port
  };

  // nullopt with a reason if `text` is neither form.
  static std::optional<Pattern> parse(std::string_view text, std::string* why);

  void add(Pattern p) { patterns_.push_back(std::move(p)); }
  bool empty() const { return patterns_.empty(); }
  bool has_cidrs() const;

  // A glob matches the target's host name (case-insensitive) and port.
  bool allows_name(const HostPort& target) const;
  // A CIDR holds this address (textual IPv4 or IPv6) and the port matches.
  bool allows_address(std::string_view address, std::uint16_t port) const;

 private:
  std::vector<Pattern> patterns_;
};

}  // namespace smtp_exporter::config
