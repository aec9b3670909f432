// What one probe saw: a plain value handed from the prober to classification and metrics.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prober/vocabulary.hpp"

namespace smtp_exporter::prober {

// How a step went. Only as_expected lets the dialog go on.
enum class Outcome { as_expected, unexpected, timeout, protocol_error };
inline constexpr std::array<std::string_view, 4> kOutcomeNames = {"as_expected", "unexpected", "timeout",
                                                                    "protocol_error"};

// What one step of the dialog did: a plain record, read by classification and metrics.
struct StepRecord {
  std::string name;  // the step's name in the module ("rcpt_to", "relay"); the kind's for built-in steps
  StepKind kind = StepKind::greeting;
  int reply_code = 0;          // of the step's last reply, 0 if none came
  std::string enhanced_code;   // RFC 3463 "5.7.1" from that reply, "" if it had none
  double seconds = 0;          // from the first byte written to the last byte of the reply
  std::chrono::steady_clock::time_point replied_at{};  // when that last byte came (a loop's DATA starts its round trip)
  Outcome outcome = Outcome::unexpected;
  Failure failure = Failure::none;  // why, unless as_expected
  std::string detail;               // for logs and debug output; never a secret
  bool server_closing = false;      // the reply was 421, or the connection is gone: no QUIT
};

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
  // The presented chain (DER, the server's own certificate first), only when the request asked
  // for it (DANE): kept per target otherwise, it would cost kilobytes each.
  std::vector<std::string> chain_der;
};

struct ProbeResult {
  // Seconds each phase took; 0 for phases that did not run. Stamped when their last byte came.
  std::array<double, kPhaseCount> phase_seconds{};
  double total_seconds = 0;  // whole probe, resolve to close

  // QoS latency: from the start of the TCP connect to the final line of the 250 reply that
  // ended the EHLO (or HELO fallback) exchange. Unset if no such 250 came.
  std::optional<double> ehlo_latency_seconds;

  int greeting_code = 0;  // last greeting reply code, 0 if none
  std::string greeting_name;  // the host name the greeting gives (its first word), "" if none
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

  // The module's configured steps that ran, in order (the built-in greeting, EHLO, STARTTLS and
  // QUIT are in the phases and reply codes above).
  std::vector<StepRecord> steps;
  // AUTH was advertised in an EHLO reply on a connection without TLS: passwords may go in clear.
  bool auth_offered_before_tls = false;

  std::string peer_address;    // the address that answered, "" if none did
  std::size_t bare_lf_lines = 0;  // reply lines ended by a bare LF

  std::vector<TranscriptLine> transcript;  // filled only when the request asked for it
};

}  // namespace smtp_exporter::prober
