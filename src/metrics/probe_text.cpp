#include "metrics/probe_text.hpp"

#include <algorithm>
#include <string_view>

#include <initializer_list>
#include <utility>
#include <vector>

#include "metrics/families.hpp"
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

// The text exposition, written directly: /probe answers one small set per request, and building
// a prometheus-cpp registry for it cost more than the probe's own work. Families are described
// in families.hpp; each is written here from its `probe` side.
struct ProbeText {
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  void family(const FamilyInfo& f) {
    out.append("# HELP ").append(f.name).append(" ").append(f.help);
    out.append("\n# TYPE ").append(f.name).append(" ").append(f.type).append("\n");
  }
  void sample(const FamilyInfo& f, Labels labels, double value) {
    out.append(f.name);
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
  void single(const FamilyInfo& f, double value) {
    family(f);
    sample(f, {}, value);
  }
  void info(const FamilyInfo& f, Labels labels) {
    family(f);
    sample(f, labels, 1);
  }

  std::string out;
};

}  // namespace

std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds, const std::vector<std::string>& step_names) {
  ProbeText text;
  text.single(kProbeSuccess.probe, verdict.probe_success);
  text.single(kProbeDuration.probe, result.total_seconds);
  // Without a final 250 there is no latency; 0 keeps the series present (as blackbox does for
  // phases that did not run), and probe_smtp_ehlo_success says whether the value means anything.
  text.single(kEhloDuration.probe, result.ehlo_latency_seconds.value_or(0));
  text.single(kEhloSuccess.probe, verdict.ehlo_success);

  text.family(kPhases.probe);
  for (std::size_t i = 0; i < prober::kPhaseCount; ++i) {
    text.sample(kPhases.probe, {{"phase", prober::kPhaseNames[i]}}, result.phase_seconds[i]);
  }
  text.family(kReplyCode.probe);
  text.sample(kReplyCode.probe, {{"stage", "greeting"}}, result.greeting_code);
  text.sample(kReplyCode.probe, {{"stage", "ehlo"}}, result.ehlo_code);

  if (!step_names.empty()) {  // a module without steps has none of these families
    std::vector<StepValues> steps;
    for (const auto& name : step_names) steps.push_back(step_values(name, result.steps));
    text.family(kStepSuccess.probe);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      text.sample(kStepSuccess.probe, {{"step", step_names[i]}}, steps[i].success);
    }
    text.family(kStepDuration.probe);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      text.sample(kStepDuration.probe, {{"step", step_names[i]}}, steps[i].seconds);
    }
    text.family(kStepReplyCode.probe);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      text.sample(kStepReplyCode.probe, {{"step", step_names[i]}}, steps[i].reply_code);
    }
  }

  text.single(kEvents.probe, static_cast<double>(verdict.event));
  text.family(kFailures.probe);
  for (std::size_t i = 0; i < prober::kFailureCount; ++i) {
    const bool failed_here = verdict.reason != prober::Failure::none && prober::failure_index(verdict.reason) == i;
    text.sample(kFailures.probe, {{"reason", prober::kFailureNames[i]}}, failed_here);
  }
  text.single(kHeloFallback.probe, result.helo_fallback);

  std::vector<std::string> extensions;
  extension_labels(result.ehlo_text, extensions);
  if (!extensions.empty()) {  // a family without series is left out
    text.family(kExtensions.probe);
    for (const auto& e : extensions) text.sample(kExtensions.probe, {{"extension", e}}, 1);
  }
  std::vector<std::string> mechanisms;
  auth_mechanism_labels(result.ehlo_text, mechanisms);
  if (!mechanisms.empty()) {
    text.family(kAuthMechanisms.probe);
    for (const auto& m : mechanisms) text.sample(kAuthMechanisms.probe, {{"mechanism", m}}, 1);
  }
  text.single(kAuthBeforeTls.probe, result.auth_offered_before_tls);
  text.single(kQosTimeout.probe, qos_timeout_seconds);
  text.single(kIpProtocol.probe, ip_protocol(result.peer_address));

  if (result.tls) {
    const auto& tls = *result.tls;
    // blackbox's names first, so existing certificate alerts and dashboards work.
    text.single(kSslEarliestCertExpiry.probe, tls.chain_not_after);
    if (tls.verified) {  // as blackbox_exporter: only from a verified chain
      text.single(kSslLastChainExpiry.probe, tls.chain_not_after);
    }
    text.info(kBlackboxTlsVersion.probe, {{"version", tls.version}});
    text.single(kTlsCertNotAfter.probe, tls.cert_not_after);
    text.single(kTlsChainNotAfter.probe, tls.chain_not_after);
    text.single(kTlsVerified.probe, tls.verified);
    text.info(kTlsVersion.probe, {{"version", tls.version}});
    text.info(kTlsCipher.probe, {{"cipher", tls.cipher}});
    text.info(kTlsCert.probe, {{"subject_cn", tls.subject_cn},
                               {"issuer_cn", tls.issuer_cn},
                               {"serial", tls.serial},
                               {"fingerprint_sha256", tls.fingerprint_sha256}});
  }
  return std::move(text.out);
}

}  // namespace smtp_exporter::metrics
