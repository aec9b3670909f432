#include "metrics/probe_text.hpp"

#include <algorithm>
#include <string_view>

#include <initializer_list>
#include <utility>
#include <vector>

#include "metrics/target_state.hpp"
#include "metrics/writer.hpp"

namespace smtp_exporter::metrics {
namespace {

// Like blackbox's probe_ip_protocol: 6 for an IPv6 peer ("2001:db8::1", "[2001:db8::1]:25"),
// 4 for IPv4 with or without a port, 0 if nobody answered.
double ip_protocol(std::string_view peer) {
  if (peer.empty()) return 0;
  return peer.front() == '[' || std::count(peer.begin(), peer.end(), ':') > 1 ? 6 : 4;
}

// The text exposition of gauges, written directly: /probe answers one small set per request, and
// building a prometheus-cpp registry for it cost more than the probe's own work.
struct ProbeText {
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  void family(std::string_view name, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" gauge\n");
  }
  void sample(std::string_view name, Labels labels, double value) {
    out.append(name);
    if (labels.size() != 0) {
      char sep = '{';
      for (const auto& [k, v] : labels) {
        out.append(1, sep).append(k).append("=\"");
        append_escaped_label_value(out, v);
        out.append("\"");
        sep = ',';
      }
      out.append("}");
    }
    out.append(" ");
    append_double(out, value);
    out.append("\n");
  }
  void single(std::string_view name, std::string_view help, double value) {
    family(name, help);
    sample(name, {}, value);
  }
  void info(std::string_view name, std::string_view help, Labels labels) {
    family(name, help);
    sample(name, labels, 1);
  }

  std::string out;
};

}  // namespace

std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds, const std::vector<std::string>& step_names) {
  ProbeText text;
  text.single("probe_success", "1 if every check passed and EHLO got its 250 within 2 x QoS.",
              verdict.probe_success);
  text.single("probe_duration_seconds", "Seconds the whole probe took, resolve to close.", result.total_seconds);
  // Without a final 250 there is no latency; 0 keeps the series present (as blackbox does for
  // phases that did not run), and probe_smtp_ehlo_success says whether the value means anything.
  text.single("probe_smtp_ehlo_duration_seconds",
              "QoS latency: TCP connect start to the final 250 of EHLO (or HELO); 0 without one.",
              result.ehlo_latency_seconds.value_or(0));
  text.single("probe_smtp_ehlo_success", "1 if a final 250 to EHLO/HELO came within 2 x QoS.", verdict.ehlo_success);

  text.family("probe_smtp_phase_duration_seconds", "Seconds each phase took; 0 if it did not run.");
  for (std::size_t i = 0; i < prober::kPhaseCount; ++i) {
    text.sample("probe_smtp_phase_duration_seconds", {{"phase", prober::kPhaseNames[i]}}, result.phase_seconds[i]);
  }
  text.family("probe_smtp_reply_code", "Last SMTP reply code per stage; 0 if none.");
  text.sample("probe_smtp_reply_code", {{"stage", "greeting"}}, result.greeting_code);
  text.sample("probe_smtp_reply_code", {{"stage", "ehlo"}}, result.ehlo_code);

  if (!step_names.empty()) {  // a module without steps has none of these families
    std::vector<StepValues> steps;
    for (const auto& name : step_names) steps.push_back(step_values(name, result.steps));
    text.family("probe_smtp_step_success", "1 if the module's step went as expected; 0 if it did not run.");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      text.sample("probe_smtp_step_success", {{"step", step_names[i]}}, steps[i].success);
    }
    text.family("probe_smtp_step_duration_seconds", "Seconds the module's step took; 0 if it did not run.");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      text.sample("probe_smtp_step_duration_seconds", {{"step", step_names[i]}}, steps[i].seconds);
    }
    text.family("probe_smtp_step_reply_code", "Last SMTP reply code of the module's step; 0 if none.");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      text.sample("probe_smtp_step_reply_code", {{"step", step_names[i]}}, steps[i].reply_code);
    }
  }

  text.single("probe_smtp_qos_event", "ELM event of this probe: 5510 within QoS, 5511 within 2 x QoS, 5509 failed.",
              static_cast<double>(verdict.event));
  text.family("probe_smtp_failure", "1 for the reason this probe failed, 0 for the others.");
  for (std::size_t i = 0; i < prober::kFailureCount; ++i) {
    const bool failed_here = verdict.reason != prober::Failure::none && prober::failure_index(verdict.reason) == i;
    text.sample("probe_smtp_failure", {{"reason", prober::kFailureNames[i]}}, failed_here);
  }
  text.single("probe_smtp_helo_fallback", "1 if the server refused EHLO and HELO was used.", result.helo_fallback);

  std::vector<std::string> extensions;
  extension_labels(result.ehlo_text, extensions);
  if (!extensions.empty()) {  // a family without series is left out
    text.family("probe_smtp_ehlo_extension_info", "EHLO keywords the server advertised.");
    for (const auto& e : extensions) text.sample("probe_smtp_ehlo_extension_info", {{"extension", e}}, 1);
  }
  std::vector<std::string> mechanisms;
  auth_mechanism_labels(result.ehlo_text, mechanisms);
  if (!mechanisms.empty()) {
    text.family("probe_smtp_auth_mechanism_info", "SASL mechanisms the server advertised; unknown ones as other.");
    for (const auto& m : mechanisms) text.sample("probe_smtp_auth_mechanism_info", {{"mechanism", m}}, 1);
  }
  text.single("probe_smtp_auth_offered_before_tls", "1 if AUTH was advertised on a connection without TLS.",
              result.auth_offered_before_tls);
  text.single("probe_smtp_qos_timeout_seconds", "Configured QoS time; 2 x QoS is the failure limit.",
              qos_timeout_seconds);
  text.single("probe_ip_protocol", "IP version of the address that answered; 0 if none did.",
              ip_protocol(result.peer_address));

  if (result.tls) {  // blackbox's names, so existing certificate alerts and dashboards work
    const auto& tls = *result.tls;
    text.single("probe_ssl_earliest_cert_expiry", "Earliest notAfter in the presented chain (Unix time).",
                tls.chain_not_after);
    if (tls.verified) {  // as blackbox_exporter: only from a verified chain
      text.single("probe_ssl_last_chain_expiry_timestamp_seconds",
                  "Earliest notAfter of the verified chain (Unix time).", tls.chain_not_after);
    }
    text.info("probe_tls_version_info", "Negotiated TLS version, 1.", {{"version", tls.version}});
    text.single("probe_smtp_tls_cert_not_after_timestamp_seconds", "notAfter of the leaf certificate (Unix time).",
                tls.cert_not_after);
    text.single("probe_smtp_tls_chain_not_after_timestamp_seconds",
                "Earliest notAfter in the presented chain (Unix time).", tls.chain_not_after);
    text.single("probe_smtp_tls_cert_verified", "1 if the certificate chain and name verified.", tls.verified);
    text.info("probe_smtp_tls_version_info", "Negotiated TLS version, 1.", {{"version", tls.version}});
    text.info("probe_smtp_tls_cipher_info", "Negotiated TLS cipher, 1.", {{"cipher", tls.cipher}});
    text.info("probe_smtp_tls_cert_info", "The server's leaf certificate, 1.",
              {{"subject_cn", tls.subject_cn},
               {"issuer_cn", tls.issuer_cn},
               {"serial", tls.serial},
               {"fingerprint_sha256", tls.fingerprint_sha256}});
  }
  return std::move(text.out);
}

}  // namespace smtp_exporter::metrics
