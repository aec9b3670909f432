// Per-target metric state: a compact struct updated from each ProbeResult and rendered
// straight to the exposition format. No sockets, no prometheus-cpp objects per series.
#pragma once

#include <array>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::metrics {

struct TargetIdentity {
  std::string target;   // `target` label
  std::string module;   // `module` label
  std::vector<std::pair<std::string, std::string>> labels;  // the target's own, sorted
};

// The EHLO keywords a server advertised become label values, so the server decides their
// cardinality: keep only RFC 5321 keywords, upper case, sorted, unique, at most this many.
// `ehlo_text`: the text of the EHLO reply (ProbeResult::ehlo_text).
inline constexpr std::size_t kMaxExtensionLabels = 32;
void extension_labels(std::string_view ehlo_text, std::vector<std::string>& out);

// The SASL mechanisms an EHLO reply advertises, as label values: the well-known names as they
// are, any other as one "other" (the server must not decide the cardinality); sorted, unique.
// Empty if the reply has no AUTH line (or one without a mechanism name).
void auth_mechanism_labels(std::string_view ehlo_text, std::vector<std::string>& out);

// The last probe's values for one of the module's steps; all 0 if the step did not run.
struct StepValues {
  bool success = false;  // the step went as expected
  double seconds = 0;
  int reply_code = 0;  // 0 if no reply came
};
// The values of the step named `name` among the records of a probe.
StepValues step_values(std::string_view name, const std::vector<prober::StepRecord>& steps);

class TargetState {
 public:
  // buckets: histogram upper bounds in seconds, sorted (the module's, which include qos and 2 x qos).
  // step_names: the module's configured steps, in order (unique); each gets its smtp_step_* series.
  TargetState(TargetIdentity identity, std::vector<double> buckets, double qos_timeout_seconds,
              std::vector<std::string> step_names = {});

  // Fold one probe into the state. Not synchronised: the caller serialises record() and
  // rendering per target. wall_time_seconds: when it finished (Unix time).
  void record(const prober::ProbeResult& result, const classify::Verdict& verdict,
              double wall_time_seconds);

  const TargetIdentity& identity() const { return identity_; }
  // `target="mx1",module="smtp_ehlo",site="ams"` with values escaped; rendered once.
  const std::string& label_text() const { return label_text_; }

  // Read access for the writer and tests.
  bool has_run() const { return has_run_; }
  bool probe_success() const { return probe_success_; }
  bool ehlo_success() const { return ehlo_success_; }
  bool helo_fallback() const { return helo_fallback_; }
  int greeting_code() const { return greeting_code_; }
  int ehlo_code() const { return ehlo_code_; }
  double qos_timeout_seconds() const { return qos_timeout_; }
  double last_run_timestamp() const { return last_run_ts_; }
  const std::vector<double>& bucket_bounds() const { return bounds_; }
  const std::vector<std::uint64_t>& bucket_counts() const { return bucket_counts_; }  // not cumulative
  double latency_sum() const { return sum_; }
  std::uint64_t latency_count() const { return count_; }
  const std::array<std::uint64_t, classify::kEventCount>& events() const { return events_; }
  const std::array<std::uint64_t, prober::kFailureCount>& failures() const { return failures_; }
  const std::array<double, prober::kPhaseCount>& phase_seconds() const { return phases_; }
  const std::vector<std::string>& extensions() const { return extensions_; }
  const std::vector<std::string>& auth_mechanisms() const { return auth_mechanisms_; }
  bool auth_offered_before_tls() const { return auth_offered_before_tls_; }
  const std::vector<std::string>& step_names() const { return step_names_; }
  const std::vector<StepValues>& steps() const { return steps_; }  // one per step name, same order
  prober::Failure last_failure() const { return last_failure_; }
  // The facts of the last TLS handshake; kept while later probes fail before TLS, so that
  // certificate expiry stays visible through an outage.
  const std::optional<prober::TlsFacts>& tls() const { return tls_; }

 private:
  TargetIdentity identity_;
  std::string label_text_;
  std::vector<double> bounds_;
  std::vector<std::uint64_t> bucket_counts_;  // one per bound, plus +Inf at the end
  double sum_ = 0;
  std::uint64_t count_ = 0;
  std::array<std::uint64_t, classify::kEventCount> events_{};
  std::array<std::uint64_t, prober::kFailureCount> failures_{};
  std::array<double, prober::kPhaseCount> phases_{};
  std::vector<std::string> extensions_;
  std::vector<std::string> auth_mechanisms_;
  std::string ehlo_text_;  // the EHLO reply extensions_ and auth_mechanisms_ were made from
  std::vector<std::string> step_names_;
  std::vector<StepValues> steps_;
  int greeting_code_ = 0;
  int ehlo_code_ = 0;
  bool has_run_ = false;
  bool probe_success_ = false;
  bool ehlo_success_ = false;
  bool helo_fallback_ = false;
  bool auth_offered_before_tls_ = false;
  double qos_timeout_ = 0;
  double last_run_ts_ = 0;
  prober::Failure last_failure_ = prober::Failure::none;
  std::optional<prober::TlsFacts> tls_;
};

}  // namespace smtp_exporter::metrics
