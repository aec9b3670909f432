// What one probe saw: a plain value handed from the prober to classification and metrics.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtp_exporter::prober {

// tls is the handshake (before the greeting for implicit TLS, after STARTTLS otherwise);
// starttls is the STARTTLS command and its reply; ehlo covers every EHLO of the dialog.
enum class Phase { resolve, connect, tls, greeting, ehlo, starttls, quit };
inline constexpr std::size_t kPhaseCount = 7;
inline constexpr std::array<std::string_view, kPhaseCount> kPhaseNames = {
    "resolve", "connect", "tls", "greeting", "ehlo", "starttls", "quit"};

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
  tls_handshake,         // the handshake failed or timed out
  tls_verify,            // the chain or the name did not verify
  starttls_not_offered,  // STARTTLS wanted but not advertised: how a downgrade is caught
  starttls_rejected,     // STARTTLS answered other than 220
};
inline constexpr std::size_t kFailureCount = 14;  // without `none`
inline constexpr std::array<std::string_view, kFailureCount> kFailureNames = {
    "resolve",         "connect_refused",   "connect_timeout",      "greeting_timeout",
    "greeting_rejected", "ehlo_timeout",    "ehlo_rejected",        "protocol_error",
    "banner_mismatch", "qos_exceeded",      "tls_handshake",        "tls_verify",
    "starttls_not_offered", "starttls_rejected"};
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

// What the TLS handshake showed; set once a handshake completed.
struct TlsFacts {
  std::string version;  // "TLS 1.3", as blackbox_exporter writes it
  std::string cipher;   // OpenSSL's name, e.g. "TLS_AES_256_GCM_SHA384"
  bool verified = false;  // chain and name verified (false with insecure_skip_verify and a bad cert)
  double cert_not_after = 0;   // leaf certificate's notAfter, Unix seconds
  double chain_not_after = 0;  // earliest notAfter of the presented chain
  std::string subject_cn;
  std::string issuer_cn;
  std::string serial;              // hex, upper case
  std::string fingerprint_sha256;  // hex, lower case
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
  // The text of the last EHLO reply (smtp::Reply::text): the domain, then one line per
  // extension ("SIZE 1000"); empty after a HELO fallback. smtp::ehlo_keywords() takes the
  // keywords from it.
  std::string ehlo_text;

  // A failure the prober saw itself (timeouts, refusals, protocol errors, banner mismatch).
  // none if the dialog ran; the QoS classification then decides on the latency.
  Failure failure = Failure::none;
  std::string detail;          // human-readable cause, for logs and debug output only
  // The exporter itself could not probe (out of file descriptors or memory): not the target's
  // fault, so it must not count against it.
  bool exporter_error = false;

  std::optional<TlsFacts> tls;

  std::string peer_address;    // the address that answered, "" if none did
  std::size_t bare_lf_lines = 0;  // reply lines ended by a bare LF

  std::vector<TranscriptLine> transcript;  // filled only when the request asked for it
};

}  // namespace smtp_exporter::prober
