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

// The smtp_* families in the order write_targets() renders them (families.hpp describes them).
std::span<const FamilyInfo> target_families();

// Series per target besides one per bucket bound, extension and auth mechanism, and
// kSeriesPerStep per step of its module: success 2, histogram +Inf/_sum/_count 3, events,
// failures, phases, reply codes 2, AUTH before TLS, fallback, QoS time, last run.
inline constexpr std::size_t kFixedSeriesPerTarget = 2 + 3 + classify::kEventCount +
                                                     prober::kFailureCount + prober::kPhaseCount + 2 + 4;
inline constexpr std::size_t kSeriesPerStep = 3;  // success, duration, reply code

class LeCache;

// Renders the smtp_* families piece by piece, so /metrics can be sent in chunks while it is
// written: each next() appends at least `budget` bytes (whole lines) to `out`, or the rest.
// The targets must outlive the writer; a target changed between pieces shows its new values
// in the families still to come.
class TargetsWriter {
 public:
  explicit TargetsWriter(std::vector<const TargetState*> targets);
  ~TargetsWriter();
  TargetsWriter(TargetsWriter&&) noexcept;
  TargetsWriter& operator=(TargetsWriter&&) noexcept;

  void next(std::string& out, std::size_t budget);
  bool done() const;

 private:
  std::vector<const TargetState*> targets_;
  std::unique_ptr<LeCache> le_cache_;
  std::size_t family_ = 0;  // index of the family being written
  std::size_t target_ = 0;  // next target in that family
};

// Appends the smtp_* families for these targets to `out`, whole. Keep one `out` per connection or
// thread and clear() it between scrapes: a fresh string of tens of megabytes costs more in page
// faults than the rendering itself (10,000 targets, 52 MB: about 20 ms warm, 50 ms fresh).
void write_targets(std::string& out, const std::vector<const TargetState*>& targets);

// Exposition helpers, shared with the other writers.
void append_escaped_label_value(std::string& out, std::string_view value);
// Sample values: "+Inf", "-Inf", "NaN"; integral values below 2^53 as plain integers (a
// timestamp stays "1700000000", not "1.7e+09"); others the shortest round-trip form.
void append_double(std::string& out, double value);
// `le` bounds exactly as client_golang writes them (strconv 'g', shortest): "0.05", "1",
// "100000", "1e+06", "1e-05", "+Inf", so the series match a Go exporter's.
void append_le_value(std::string& out, double bound);

}  // namespace smtp_exporter::metrics
