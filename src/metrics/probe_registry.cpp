#include "metrics/probe_registry.hpp"

#include <algorithm>
#include <string_view>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "metrics/target_state.hpp"

namespace smtp_exporter::metrics {
namespace {

// Like blackbox's probe_ip_protocol: 6 for an IPv6 peer ("2001:db8::1", "[2001:db8::1]:25"),
// 4 for IPv4 with or without a port, 0 if nobody answered.
double ip_protocol(std::string_view peer) {
  if (peer.empty()) return 0;
  return peer.front() == '[' || std::count(peer.begin(), peer.end(), ':') > 1 ? 6 : 4;
}

}  // namespace

std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds) {
  prometheus::Registry registry;
  auto family = [&](const std::string& name, const std::string& help) -> prometheus::Family<prometheus::Gauge>& {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
  };
  auto single = [&](const std::string& name, const std::string& help, double value) {
    family(name, help).Add({}).Set(value);
  };

  single("probe_success", "1 if every check passed and EHLO got its 250 within 2 x QoS.",
         verdict.probe_success);
  single("probe_duration_seconds", "Seconds the whole probe took, resolve to close.",
         result.total_seconds);
  // Without a final 250 there is no latency; 0 keeps the series present (as blackbox does for
  // phases that did not run), and probe_smtp_ehlo_success says whether the value means anything.
  single("probe_smtp_ehlo_duration_seconds",
         "QoS latency: TCP connect start to the final 250 of EHLO (or HELO); 0 without one.",
         result.ehlo_latency_seconds.value_or(0));
  single("probe_smtp_ehlo_success", "1 if a final 250 to EHLO/HELO came within 2 x QoS.",
         verdict.ehlo_success);

  auto& phases = family("probe_smtp_phase_duration_seconds",
                        "Seconds each phase took; 0 if it did not run.");
  for (std::size_t i = 0; i < prober::kPhaseCount; ++i) {
    phases.Add({{"phase", std::string(prober::kPhaseNames[i])}}).Set(result.phase_seconds[i]);
  }
  auto& codes = family("probe_smtp_reply_code", "Last SMTP reply code per stage; 0 if none.");
  codes.Add({{"stage", "greeting"}}).Set(result.greeting_code);
  codes.Add({{"stage", "ehlo"}}).Set(result.ehlo_code);

  single("probe_smtp_qos_event",
         "ELM event of this probe: 5510 within QoS, 5511 within 2 x QoS, 5509 failed.",
         static_cast<double>(verdict.event));
  auto& failure = family("probe_smtp_failure", "1 for the reason this probe failed, 0 for the others.");
  for (std::size_t i = 0; i < prober::kFailureCount; ++i) {
    const bool failed_here =
        verdict.reason != prober::Failure::none && prober::failure_index(verdict.reason) == i;
    failure.Add({{"reason", std::string(prober::kFailureNames[i])}}).Set(failed_here);
  }
  single("probe_smtp_helo_fallback", "1 if the server refused EHLO and HELO was used.",
         result.helo_fallback);

  std::vector<std::string> extensions;
  extension_labels(result.extensions, extensions);
  if (!extensions.empty()) {  // a family without series is not serialized anyway
    auto& info = family("probe_smtp_ehlo_extension_info", "EHLO keywords the server advertised.");
    for (const auto& e : extensions) info.Add({{"extension", e}}).Set(1);
  }
  single("probe_smtp_qos_timeout_seconds", "Configured QoS time; 2 x QoS is the failure limit.",
         qos_timeout_seconds);
  single("probe_ip_protocol", "IP version of the address that answered; 0 if none did.",
         ip_protocol(result.peer_address));

  if (result.tls) {  // blackbox's names, so existing certificate alerts and dashboards work
    const auto& tls = *result.tls;
    single("probe_ssl_earliest_cert_expiry", "Earliest notAfter in the presented chain (Unix time).",
           tls.chain_not_after);
    if (tls.verified) {  // as blackbox_exporter: only from a verified chain
      single("probe_ssl_last_chain_expiry_timestamp_seconds",
             "Earliest notAfter of the verified chain (Unix time).", tls.chain_not_after);
    }
    family("probe_tls_version_info", "Negotiated TLS version, 1.").Add({{"version", tls.version}}).Set(1);
    single("probe_smtp_tls_cert_not_after_timestamp_seconds", "notAfter of the leaf certificate (Unix time).",
           tls.cert_not_after);
    single("probe_smtp_tls_chain_not_after_timestamp_seconds",
           "Earliest notAfter in the presented chain (Unix time).", tls.chain_not_after);
    single("probe_smtp_tls_cert_verified", "1 if the certificate chain and name verified.", tls.verified);
    family("probe_smtp_tls_version_info", "Negotiated TLS version, 1.").Add({{"version", tls.version}}).Set(1);
    family("probe_smtp_tls_cipher_info", "Negotiated TLS cipher, 1.").Add({{"cipher", tls.cipher}}).Set(1);
    family("probe_smtp_tls_cert_info", "The server's leaf certificate, 1.")
        .Add({{"subject_cn", tls.subject_cn},
              {"issuer_cn", tls.issuer_cn},
              {"serial", tls.serial},
              {"fingerprint_sha256", tls.fingerprint_sha256}})
        .Set(1);
  }

  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace smtp_exporter::metrics
