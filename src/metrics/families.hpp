// Every metric family the exporter writes about its targets, described here and nowhere else:
// name, type and HELP. The values are set in writer.cpp (/metrics, from each target's state: the
// table kFamilyWriters, in the order written) and probe_text.cpp (/probe, from one probe:
// render_probe, top to bottom).
//
// One entry per fact, with how each endpoint shows it. Most facts have one stem: "smtp_" + stem on
// /metrics, "probe_smtp_" + stem on /probe, so smtp_ehlo_success and probe_smtp_ehlo_success are
// both kEhloSuccess (stem "ehlo_success"): grep for the stem. On /probe every family is a gauge
// about this one probe rather than the last, hence a HELP of its own where the words differ.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace smtp_exporter::metrics {

// A family as one endpoint writes it: `# HELP name help`, `# TYPE name type`, then its series.
struct FamilyInfo {
  std::string_view name;  // empty: not on this endpoint
  std::string_view type;  // "gauge", "counter", "histogram"
  std::string_view help;
};

struct Family {
  FamilyInfo metrics{};  // on /metrics
  FamilyInfo probe{};    // on /probe
};

namespace detail {

// A string literal as a template argument, so that names can be joined at compile time.
template <std::size_t N>
struct Literal {
  // Implicit, so that on_both<"stem"> takes a plain literal.
  constexpr Literal(const char (&s)[N]) { std::copy_n(s, N - 1, text.begin()); }
  std::array<char, N - 1> text{};
};

// prefix + stem, kept in static storage for the string_views below.
template <Literal prefix, Literal stem>
inline constexpr auto kJoined = [] {
  std::array<char, prefix.text.size() + stem.text.size()> out{};
  std::copy(stem.text.begin(), stem.text.end(), std::copy(prefix.text.begin(), prefix.text.end(), out.begin()));
  return out;
}();

template <Literal prefix, Literal stem>
constexpr std::string_view joined() {
  return {kJoined<prefix, stem>.data(), kJoined<prefix, stem>.size()};
}

}  // namespace detail

// A fact on both endpoints under one stem: "smtp_" + stem with `type` and `help` on /metrics,
// "probe_smtp_" + stem as a gauge on /probe, with `probe_help` where the words differ there.
template <detail::Literal stem>
constexpr Family on_both(std::string_view type, std::string_view help, std::string_view probe_help = {}) {
  return {.metrics = {detail::joined<"smtp_", stem>(), type, help},
          .probe = {detail::joined<"probe_smtp_", stem>(), "gauge", probe_help.empty() ? help : probe_help}};
}

// The probe's outcome; /probe has blackbox_exporter's probe_success, probe_duration_seconds and
// probe_ip_protocol.
inline constexpr Family kProbeSuccess{
    .metrics = {"smtp_probe_success", "gauge", "1 if the last probe passed every check within 2 x QoS."},
    .probe = {"probe_success", "gauge", "1 if every check passed and EHLO got its 250 within 2 x QoS."}};
inline constexpr Family kProbeDuration{
    .probe = {"probe_duration_seconds", "gauge", "Seconds the whole probe took, resolve to close."}};
inline constexpr Family kIpProtocol{
    .probe = {"probe_ip_protocol", "gauge", "IP version of the address that answered; 0 if none did."}};
inline constexpr Family kEhloSuccess = on_both<"ehlo_success">(
    "gauge", "1 if the last probe got a final 250 to EHLO/HELO within 2 x QoS.",
    "1 if a final 250 to EHLO/HELO came within 2 x QoS.");
inline constexpr Family kEhloDuration = on_both<"ehlo_duration_seconds">(
    "histogram", "QoS latency: TCP connect start to the final 250 of EHLO (or HELO).",
    "QoS latency: TCP connect start to the final 250 of EHLO (or HELO); 0 without one.");
// ELM's events: counted per event on /metrics; this probe's event as the value on /probe.
inline constexpr Family kEvents{
    .metrics = {"smtp_probe_events_total", "counter",
                "Probes by ELM event: 5510 within QoS, 5511 within 2 x QoS, 5509 failed."},
    .probe = {"probe_smtp_qos_event", "gauge",
              "ELM event of this probe: 5510 within QoS, 5511 within 2 x QoS, 5509 failed."}};
inline constexpr Family kFailures{
    .metrics = {"smtp_probe_failures_total", "counter", "Failed (5509) probes by reason."},
    .probe = {"probe_smtp_failure", "gauge", "1 for the reason this probe failed, 0 for the others."}};

// The dialog.
inline constexpr Family kPhases{
    .metrics = {"smtp_probe_phase_duration_seconds", "gauge",
                "Seconds each phase of the last probe took; 0 if it did not run."},
    .probe = {"probe_smtp_phase_duration_seconds", "gauge", "Seconds each phase took; 0 if it did not run."}};
inline constexpr Family kReplyCode = on_both<"reply_code">(
    "gauge", "Last SMTP reply code of the last probe per stage; 0 if none.",
    "Last SMTP reply code per stage; 0 if none.");
inline constexpr Family kHeloFallback = on_both<"helo_fallback">(
    "gauge", "1 if the last probe had to fall back from EHLO to HELO.",
    "1 if the server refused EHLO and HELO was used.");

// The module's steps: only for modules that have some.
inline constexpr Family kStepSuccess = on_both<"step_success">(
    "gauge", "1 if the module's step went as expected in the last probe; 0 if it did not run.",
    "1 if the module's step went as expected; 0 if it did not run.");
inline constexpr Family kStepDuration = on_both<"step_duration_seconds">(
    "gauge", "Seconds the module's step took in the last probe; 0 if it did not run.",
    "Seconds the module's step took; 0 if it did not run.");
inline constexpr Family kStepReplyCode = on_both<"step_reply_code">(
    "gauge", "Last SMTP reply code of the module's step in the last probe; 0 if none.",
    "Last SMTP reply code of the module's step; 0 if none.");

// What the server advertised.
inline constexpr Family kExtensions = on_both<"ehlo_extension_info">(
    "gauge", "EHLO keywords the server advertised in the last probe.",
    "EHLO keywords the server advertised.");
inline constexpr Family kAuthMechanisms = on_both<"auth_mechanism_info">(
    "gauge", "SASL mechanisms the server advertised in the last EHLO; unknown ones as other.",
    "SASL mechanisms the server advertised; unknown ones as other.");
inline constexpr Family kAuthBeforeTls = on_both<"auth_offered_before_tls">(
    "gauge", "1 if the last probe saw AUTH advertised on a connection without TLS.",
    "1 if AUTH was advertised on a connection without TLS.");

// From the configuration, and the clock.
inline constexpr Family kQosTimeout = on_both<"qos_timeout_seconds">(
    "gauge", "Configured QoS time; 2 x QoS is the failure limit.");
inline constexpr Family kLastRun{
    .metrics = {"smtp_probe_last_run_timestamp_seconds", "gauge",
                "Unix time the last probe finished; 0 before the first."}};

// The facts of a TLS handshake: only where one completed.
inline constexpr Family kTlsCertNotAfter = on_both<"tls_cert_not_after_timestamp_seconds">(
    "gauge", "notAfter of the server's leaf certificate (Unix time).",
    "notAfter of the leaf certificate (Unix time).");
inline constexpr Family kTlsChainNotAfter = on_both<"tls_chain_not_after_timestamp_seconds">(
    "gauge", "Earliest notAfter in the presented certificate chain (Unix time).",
    "Earliest notAfter in the presented chain (Unix time).");
inline constexpr Family kTlsVerified = on_both<"tls_cert_verified">(
    "gauge", "1 if the certificate chain and name verified in the last handshake.",
    "1 if the certificate chain and name verified.");
inline constexpr Family kTlsVersion = on_both<"tls_version_info">("gauge", "Negotiated TLS version, 1.");
inline constexpr Family kTlsCipher = on_both<"tls_cipher_info">("gauge", "Negotiated TLS cipher, 1.");
inline constexpr Family kTlsCert = on_both<"tls_cert_info">("gauge", "The server's leaf certificate, 1.");
// blackbox_exporter's names for TLS facts on /probe, so its certificate alerts and dashboards work.
inline constexpr Family kSslEarliestCertExpiry{
    .probe = {"probe_ssl_earliest_cert_expiry", "gauge", kTlsChainNotAfter.probe.help}};
inline constexpr Family kSslLastChainExpiry{
    .probe = {"probe_ssl_last_chain_expiry_timestamp_seconds", "gauge",
              "Earliest notAfter of the verified chain (Unix time)."}};
inline constexpr Family kBlackboxTlsVersion{.probe = {"probe_tls_version_info", "gauge", kTlsVersion.probe.help}};

}  // namespace smtp_exporter::metrics
