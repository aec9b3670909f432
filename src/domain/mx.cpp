#include "domain/mx.hpp"

#include <algorithm>

namespace smtp_exporter::domain {

MxSet select_mx(const std::vector<dns::MxRecord>& records, const std::string& domain, std::size_t cap) {
  MxSet set;
  if (records.empty()) {
    set.kind = MxSet::Kind::implicit;
    set.hosts.push_back({domain, 0});
    return set;
  }
  if (records.size() == 1 && records.front().exchange.empty()) {
    set.kind = MxSet::Kind::null_mx;
    return set;
  }
  set.found = records.size();
  for (const auto& record : records) {
    if (record.exchange.empty()) continue;
    const bool seen = std::any_of(set.hosts.begin(), set.hosts.end(),
                                  [&](const MxHost& h) { return h.name == record.exchange; });
    if (!seen) set.hosts.push_back({record.exchange, record.preference});
  }
  std::stable_sort(set.hosts.begin(), set.hosts.end(),
                   [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
  if (set.hosts.size() > cap) set.hosts.resize(cap);
  return set;
}

MxAddresses pick_addresses(MxAddresses found, std::size_t cap) {
  std::size_t ip6 = 0;
  std::size_t ip4 = 0;
  while (ip6 + ip4 < cap && (ip6 < found.ip6.size() || ip4 < found.ip4.size())) {
    if (ip6 < found.ip6.size()) ++ip6;
    if (ip6 + ip4 < cap && ip4 < found.ip4.size()) ++ip4;
  }
  found.ip6.resize(ip6);
  found.ip4.resize(ip4);
  return found;
}

}  // namespace smtp_exporter::domain
