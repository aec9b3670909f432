// Renders every target's state as Prometheus text exposition format 0.0.4, one pass,
// each family's HELP and TYPE once, every series of the fixed label sets present.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/families.hpp"
#include "metrics/target_state.hpp"

namespace smtp_exporter::metrics {

// The smtp_* per-session families in the order write_targets() renders them (families.hpp
// describes them); the domains' own follow (domain_text.hpp).
std::span<const FamilyInfo> target_families();

// Series per target besides one per bucket bound, extension and auth mechanism, and
// kSeriesPerStep per step of its module: success 2, histogram +Inf/_sum/_count 3, events,
// failures, phases, reply codes 2, AUTH before TLS, fallback, QoS time, last run.
inline constexpr std::size_t kFixedSeriesPerTarget = 2 + 3 + classify::kEventCount +
                                                     prober::kFailureCount + prober::kPhaseCount + 2 + 4;
inline constexpr std::size_t kSeriesPerStep = 3;  // success, duration, reply code

class LeCache;
class DomainState;

// Renders the smtp_* families piece by piece, so /metrics can be sent in chunks while it is
// written: each next() appends at least `budget` bytes (whole lines) to `out`, or the rest.
// The targets and domains must outlive the writer; a target or domain changed between pieces
// shows its new values in the families still to come.
//
// Domain targets: the per-session families of every (MX, address) are written in the same family
// groups as the address targets' (after them), from the domains' address_states(), which the
// writer holds (a record() meanwhile may drop an address); then the domains' own families
// (domain_text.hpp), each domain's lines in every one.
class TargetsWriter {
 public:
  explicit TargetsWriter(std::vector<const TargetState*> targets, std::vector<const DomainState*> domains = {});
  ~TargetsWriter();
  TargetsWriter(TargetsWriter&&) noexcept;
  TargetsWriter& operator=(TargetsWriter&&) noexcept;

  void next(std::string& out, std::size_t budget);
  bool done() const;

 private:
  // The per-session families, then the domains' own: false when the piece is full (out reached
  // `limit`).
  bool next_session_families(std::string& out, std::size_t limit);
  bool next_domain_family(std::string& out, std::size_t limit);

  std::vector<const TargetState*> targets_;  // address targets, then the domains' addresses
  std::vector<std::shared_ptr<const TargetState>> domain_addresses_;  // held while written
  std::vector<const DomainState*> domains_;
  std::unique_ptr<LeCache> le_cache_;
  std::size_t family_ = 0;  // index of the family being written: per-session ones, then domain ones
  std::size_t target_ = 0;  // next target (or domain) in that family
};

// Appends the smtp_* families for these targets to `out`, whole. Keep one `out` per connection or
// thread and clear() it between scrapes: a fresh string of tens of megabytes costs more in page
// faults than the rendering itself (10,000 targets, 52 MB: about 20 ms warm, 50 ms fresh).
void write_targets(std::string& out, const std::vector<const TargetState*>& targets,
                   const std::vector<const DomainState*>& domains = {});

// Exposition helpers, shared with the other writers.
// `# HELP name help` and `# TYPE name type` lines.
void append_family_header(std::string& out, const FamilyInfo& family);
void append_escaped_label_value(std::string& out, std::string_view value);
// `name="value"`, the value escaped.
void append_escaped_label(std::string& out, std::string_view name, std::string_view value);
// Sample values: "+Inf", "-Inf", "NaN"; integral values below 2^53 as plain integers (a
// timestamp stays "1700000000", not "1.7e+09"); others the shortest round-trip form.
void append_double(std::string& out, double value);
// `le` bounds exactly as client_golang writes them (strconv 'g', shortest): "0.05", "1",
// "100000", "1e+06", "1e-05", "+Inf", so the series match a Go exporter's.
void append_le_value(std::string& out, double bound);

}  // namespace smtp_exporter::metrics
