// The series of a domain's own families (families.hpp, "Mail domains"), written once for both
// endpoints: /metrics (TargetsWriter, after the per-session families, with each domain's labels)
// and /probe?domain= (render_domain_probe, without them).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "metrics/domain_state.hpp"
#include "metrics/families.hpp"

namespace smtp_exporter::metrics {

// The domain families in the order they are written.
std::size_t domain_family_count();
const Family& domain_family(std::size_t index);

// Whether `summary` has series in the family: those of MTA-STS, DANE and the per-address ones
// only where they apply; the others always.
bool domain_family_shows(std::size_t index, const DomainSummary& summary);

// Appends the family's series for `summary` to `out`, one `name{labels,...} value` line each.
// name: the family's name on this endpoint; labels: label text put first (DomainState::label_text()),
// or empty.
void write_domain_series(std::string& out, std::size_t index, std::string_view name, std::string_view labels,
                         const DomainSummary& summary);

}  // namespace smtp_exporter::metrics
