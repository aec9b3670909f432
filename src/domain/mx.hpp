// Which hosts receive mail for a domain (RFC 5321 5.1, RFC 7505): its MX records in preference
// order, the domain itself when it has none (the implicit MX), or no host at all for a null MX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dns/records.hpp"

namespace smtp_exporter::domain {

struct MxHost {
  std::string name;  // lower case, no trailing dot
  std::uint16_t preference = 0;
  bool operator==(const MxHost&) const = default;
};

struct MxSet {
  enum class Kind { listed, implicit, null_mx };
  Kind kind = Kind::listed;
  std::vector<MxHost> hosts;  // lowest preference first (ties keep the answer's order), capped
  std::size_t found = 0;      // MX records found, before the cap (0 for implicit and null MX)
};

// From the MX records of `domain` (none: the implicit MX). A null MX is the single record
// "0 ."; a "." among other records names no host and is left out. Duplicates are probed once.
MxSet select_mx(const std::vector<dns::MxRecord>& records, const std::string& domain, std::size_t cap);

// The addresses of one MX that are probed: at most `cap` of its IPv6 and IPv4 addresses, taken
// from the two families in turn (IPv6 first, as senders try them), each family in its DNS order,
// so that an MX with both families has both probed however many addresses one of them has.
struct MxAddresses {
  std::vector<std::string> ip6;
  std::vector<std::string> ip4;
  bool operator==(const MxAddresses&) const = default;
};
MxAddresses pick_addresses(MxAddresses found, std::size_t cap);

}  // namespace smtp_exporter::domain
