// What one probe saw: a plain value handed from the prober to classification and metrics.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtp_exporter::prober {

enum class Phase { resolve, connect, greeting, ehlo, quit };
inline constexpr std::size_t kPhaseCount = 5;
inline constexpr std::array<std::string_view, kPhaseCount> kPhaseNames = {
    "resolve", "connect", "greeting", "ehlo", "quit"};

// Failure reasons: a fixed set, every one exported from the start.
enum class Failure {
  none,
  resolve,
  connect_refused,
  connect_timeout,
  greeting_timeout,
  greeting_rejected,
  ehlo_timeout,
  ehlo_rejected,
  protocol_error,
  banner_mismatch,
  qos_exceeded,
};
inline constexpr std::size_t kFailureCount = 10;  // without `none`
inline constexpr std::array<std::string_view, kFailureCount> kFailureNames = {
    "resolve",       "connect_refused", "connect_timeout", "greeting_timeout",
    "greeting_rejected", "ehlo_timeout", "ehlo_rejected",  "protocol_error",
    "banner_mismatch", "qos_exceeded"};
// Index into kFailureNames; Failure::none has no index.
inline constexpr std::size_t failure_index(Failure f) { return static_cast<std::size_t>(f) - 1; }
inline constexpr std::string_view failure_name(Failure f) {
  return f == Failure::none ? std::string_view("none") : kFailureNames[failure_index(f)];
}

struct TranscriptLine {
  double at_seconds = 0;  // since the probe started
  char direction = '*';   // '>' sent, '<' received, '*' note from the prober
  std::string text;       // without line end; non-printable bytes escaped
};

struct ProbeResult {
  // Seconds each phase took; 0 for phases that did not run. Stamped when their last byte came.
  std::array<double, kPhaseCount> phase_seconds{};
  double total_seconds = 0;  // whole probe, resolve to close

  // QoS latency: from the start of the TCP connect to the final line of the 250 reply that
  // ended the EHLO (or HELO fallback) exchange. Unset if no such 250 came.
  std::optional<double> ehlo_latency_seconds;

  int greeting_code = 0;  // last greeting reply code, 0 if none
  int ehlo_code = 0;      // last EHLO (or HELO) reply code, 0 if none
  bool helo_fallback = false;
  std::vector<std::string> extensions;  // EHLO keywords, upper case

  // A failure the prober saw itself (timeouts, refusals, protocol errors, banner mismatch).
  // none if the dialog ran; the QoS classification then decides on the latency.
  Failure failure = Failure::none;
  std::string detail;          // human-readable cause, for logs and debug output only

  std::string peer_address;    // the address that answered, "" if none did
  std::size_t bare_lf_lines = 0;  // reply lines ended by a bare LF

  std::vector<TranscriptLine> transcript;  // filled only when the request asked for it
};

}  // namespace smtp_exporter::prober
