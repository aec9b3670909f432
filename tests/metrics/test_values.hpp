// ProbeResult and Verdict values for the metrics tests, built directly (no classify()).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::metrics::test {

inline prober::ProbeResult passed_probe(double latency) {
  prober::ProbeResult r;
  r.phase_seconds = {0.001, 0.002, 0, 0.1, 0.05, 0, 0.003};  // no TLS
  r.total_seconds = 0.156;
  r.ehlo_latency_seconds = latency;
  r.greeting_code = 220;
  r.ehlo_code = 250;
  r.ehlo_text = "mx.example.org\nPIPELINING\n8BITMIME\nSTARTTLS\n";
  r.peer_address = "192.0.2.25";
  return r;
}

inline prober::ProbeResult failed_probe(prober::Failure failure) {
  prober::ProbeResult r;
  r.phase_seconds = {0.001, 0.004, 0, 0, 0, 0, 0};
  r.total_seconds = 0.005;
  r.failure = failure;
  r.detail = "connection refused by 192.0.2.25";
  return r;
}

// A completed handshake's facts, with label values that need escaping.
inline prober::TlsFacts tls_facts(bool verified = true) {
  prober::TlsFacts f;
  f.version = "TLS 1.3";
  f.cipher = "TLS_AES_256_GCM_SHA384";
  f.verified = verified;
  f.cert_not_after = 1800000000;
  f.chain_not_after = 1790000000.5;
  f.subject_cn = "mx1.example.org";
  f.issuer_cn = R"(CA "x" \ y)";
  f.serial = "0A1B2C";
  f.fingerprint_sha256 = "ab12cd34";
  return f;
}

inline prober::StepRecord step(std::string name, int reply_code, double seconds,
                              prober::Outcome outcome = prober::Outcome::as_expected) {
  prober::StepRecord r;
  r.name = std::move(name);
  r.kind = prober::StepKind::rcpt_to;
  r.reply_code = reply_code;
  r.seconds = seconds;
  r.outcome = outcome;
  if (outcome != prober::Outcome::as_expected) r.failure = prober::Failure::rcpt_accepted;
  return r;
}

inline classify::Verdict verdict(classify::Event event,
                                 prober::Failure reason = prober::Failure::none) {
  classify::Verdict v;
  v.event = event;
  v.probe_success = event != classify::Event::failed;
  v.ehlo_success = event != classify::Event::failed || reason == prober::Failure::qos_exceeded;
  v.reason = reason;
  return v;
}

}  // namespace smtp_exporter::metrics::test
