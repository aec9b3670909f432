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

class TargetState {
 public:
  // buckets: histogram upper bounds in seconds, sorted (the module's, which include qos and 2 x qos).
  TargetState(TargetIdentity identity, std::vector<double> buckets, double qos_timeout_seconds);

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
  std::string ehlo_text_;  // the EHLO reply extensions_ was made from
  int greeting_code_ = 0;
  int ehlo_code_ = 0;
  bool has_run_ = false;
  bool probe_success_ = false;
  bool ehlo_success_ = false;
  bool helo_fallback_ = false;
  double qos_timeout_ = 0;
  double last_run_ts_ = 0;
  prober::Failure last_failure_ = prober::Failure::none;
  std::optional<prober::TlsFacts> tls_;
};

}  // namespace smtp_exporter::metrics
