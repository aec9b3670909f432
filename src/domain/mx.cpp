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

}  // namespace smtp_exporter::domain
