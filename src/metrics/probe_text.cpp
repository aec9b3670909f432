#include "metrics/probe_text.hpp"

#include <algorithm>
#include <string_view>

#include <initializer_list>
#include <utility>
#include <vector>

#include "metrics/domain_state.hpp"
#include "metrics/domain_text.hpp"
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

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;
using MoreLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// One session as /probe shows it. `labels` go first on each of its series: mx, address and
// family for an address of a domain, none for an address target.
struct Session {
  const prober::ProbeResult* result;
  classify::Verdict verdict;
  Labels labels;
  std::vector<StepValues> steps;  // one per step name
  std::vector<std::string> extensions;
  std::vector<std::string> mechanisms;
};

Session make_session(const prober::ProbeResult& result, const classify::Verdict& verdict, Labels labels,
                     const std::vector<std::string>& step_names) {
  Session s{&result, verdict, std::move(labels), {}, {}, {}};
  for (const auto& name : step_names) s.steps.push_back(step_values(name, result.steps));
  extension_labels(result.ehlo_text, s.extensions);
  auth_mechanism_labels(result.ehlo_text, s.mechanisms);
  return s;
}

// The text exposition, written directly: /probe answers one small set per request, and building
// a prometheus-cpp registry for it cost more than the probe's own work. Families are described
// in families.hpp; each is written here from its `probe` side.
struct ProbeText {
  void family(const FamilyInfo& f) { append_family_header(out, f); }
  void sample(const FamilyInfo& f, const Labels& first, MoreLabels more, double value) {
    out.append(f.name);
    if (!first.empty() || more.size() != 0) {
      char sep = '{';
      auto label = [&](std::string_view k, std::string_view v) {
        out += sep;
        append_escaped_label(out, k, v);
        sep = ',';
      };
      for (const auto& [k, v] : first) label(k, v);
      for (const auto& [k, v] : more) label(k, v);
      out.append("}");
    }
    out.append(" ");
    append_double(out, value);
    out.append("\n");
  }
  void single(const FamilyInfo& f, double value) {
    family(f);
    sample(f, {}, {}, value);
  }

  // A family with the series of every session that shows in it (write(session) writes them);
  // left out if none does.
  template <class Shows, class Write>
  void per_session(const FamilyInfo& f, const std::vector<Session>& sessions, Shows shows, Write write) {
    if (std::none_of(sessions.begin(), sessions.end(), shows)) return;
    family(f);
    for (const auto& s : sessions) {
      if (shows(s)) write(s);
    }
  }
  // A family with one series per session that shows in it, of value(session).
  template <class Shows, class Value>
  void one_each(const FamilyInfo& f, const std::vector<Session>& sessions, Shows shows, Value value) {
    per_session(f, sessions, shows, [&](const Session& s) { sample(f, s.labels, {}, value(s)); });
  }

  std::string out;
};

bool every(const Session&) { return true; }
bool with_tls(const Session& s) { return s.result->tls.has_value(); }

// The per-session families, each once, in this order: an address target has one session, a
// domain one per (MX, address).
void write_sessions(ProbeText& text, const std::vector<Session>& sessions, double qos_timeout_seconds,
                    const std::vector<std::string>& step_names) {
  text.one_each(kProbeSuccess.probe, sessions, every, [](const Session& s) { return s.verdict.probe_success; });
  text.one_each(kProbeDuration.probe, sessions, every, [](const Session& s) { return s.result->total_seconds; });
  // Without a final 250 there is no latency; 0 keeps the series present (as blackbox does for
  // phases that did not run), and probe_smtp_ehlo_success says whether the value means anything.
  text.one_each(kEhloDuration.probe, sessions, every,
                [](const Session& s) { return s.result->ehlo_latency_seconds.value_or(0); });
  text.one_each(kEhloSuccess.probe, sessions, every, [](const Session& s) { return s.verdict.ehlo_success; });

  text.per_session(kPhases.probe, sessions, every, [&](const Session& s) {
    for (std::size_t i = 0; i < prober::kPhaseCount; ++i) {
      text.sample(kPhases.probe, s.labels, {{"phase", prober::kPhaseNames[i]}}, s.result->phase_seconds[i]);
    }
  });
  text.per_session(kReplyCode.probe, sessions, every, [&](const Session& s) {
    text.sample(kReplyCode.probe, s.labels, {{"stage", "greeting"}}, s.result->greeting_code);
    text.sample(kReplyCode.probe, s.labels, {{"stage", "ehlo"}}, s.result->ehlo_code);
  });

  // A module without steps has none of these families.
  const auto with_steps = [&](const Session&) { return !step_names.empty(); };
  text.per_session(kStepSuccess.probe, sessions, with_steps, [&](const Session& s) {
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      text.sample(kStepSuccess.probe, s.labels, {{"step", step_names[i]}}, s.steps[i].success);
    }
  });
  text.per_session(kStepDuration.probe, sessions, with_steps, [&](const Session& s) {
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      text.sample(kStepDuration.probe, s.labels, {{"step", step_names[i]}}, s.steps[i].seconds);
    }
  });
  text.per_session(kStepReplyCode.probe, sessions, with_steps, [&](const Session& s) {
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      text.sample(kStepReplyCode.probe, s.labels, {{"step", step_names[i]}}, s.steps[i].reply_code);
    }
  });

  text.one_each(kEvents.probe, sessions, every, [](const Session& s) { return static_cast<double>(s.verdict.event); });
  text.per_session(kFailures.probe, sessions, every, [&](const Session& s) {
    for (std::size_t i = 0; i < prober::kFailureCount; ++i) {
      const auto reason = s.verdict.reason;
      const bool failed_here = reason != prober::Failure::none && prober::failure_index(reason) == i;
      text.sample(kFailures.probe, s.labels, {{"reason", prober::kFailureNames[i]}}, failed_here);
    }
  });
  text.one_each(kHeloFallback.probe, sessions, every, [](const Session& s) { return s.result->helo_fallback; });

  // A family without series is left out.
  text.per_session(
      kExtensions.probe, sessions, [](const Session& s) { return !s.extensions.empty(); },
      [&](const Session& s) {
        for (const auto& e : s.extensions) text.sample(kExtensions.probe, s.labels, {{"extension", e}}, 1);
      });
  text.per_session(
      kAuthMechanisms.probe, sessions, [](const Session& s) { return !s.mechanisms.empty(); },
      [&](const Session& s) {
        for (const auto& m : s.mechanisms) text.sample(kAuthMechanisms.probe, s.labels, {{"mechanism", m}}, 1);
      });
  text.one_each(kAuthBeforeTls.probe, sessions, every,
                [](const Session& s) { return s.result->auth_offered_before_tls; });
  text.one_each(kQosTimeout.probe, sessions, every, [&](const Session&) { return qos_timeout_seconds; });
  text.one_each(kIpProtocol.probe, sessions, every,
                [](const Session& s) { return ip_protocol(s.result->peer_address); });

  // The facts of a TLS handshake, where one completed; blackbox's names first, so existing
  // certificate alerts and dashboards work.
  text.one_each(kSslEarliestCertExpiry.probe, sessions, with_tls,
                [](const Session& s) { return s.result->tls->chain_not_after; });
  text.one_each(  // as blackbox_exporter: only from a verified chain
      kSslLastChainExpiry.probe, sessions, [](const Session& s) { return with_tls(s) && s.result->tls->verified; },
      [](const Session& s) { return s.result->tls->chain_not_after; });
  text.per_session(kBlackboxTlsVersion.probe, sessions, with_tls, [&](const Session& s) {
    text.sample(kBlackboxTlsVersion.probe, s.labels, {{"version", s.result->tls->version}}, 1);
  });
  text.one_each(kTlsCertNotAfter.probe, sessions, with_tls,
                [](const Session& s) { return s.result->tls->cert_not_after; });
  text.one_each(kTlsChainNotAfter.probe, sessions, with_tls,
                [](const Session& s) { return s.result->tls->chain_not_after; });
  text.one_each(kTlsVerified.probe, sessions, with_tls, [](const Session& s) { return s.result->tls->verified; });
  text.per_session(kTlsVersion.probe, sessions, with_tls, [&](const Session& s) {
    text.sample(kTlsVersion.probe, s.labels, {{"version", s.result->tls->version}}, 1);
  });
  text.per_session(kTlsCipher.probe, sessions, with_tls, [&](const Session& s) {
    text.sample(kTlsCipher.probe, s.labels, {{"cipher", s.result->tls->cipher}}, 1);
  });
  text.per_session(kTlsCert.probe, sessions, with_tls, [&](const Session& s) {
    const auto& tls = *s.result->tls;
    text.sample(kTlsCert.probe, s.labels,
                {{"subject_cn", tls.subject_cn},
                 {"issuer_cn", tls.issuer_cn},
                 {"serial", tls.serial},
                 {"fingerprint_sha256", tls.fingerprint_sha256}},
                1);
  });
}

}  // namespace

std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds, const std::vector<std::string>& step_names) {
  ProbeText text;
  write_sessions(text, {make_session(result, verdict, {}, step_names)}, qos_timeout_seconds, step_names);
  return std::move(text.out);
}

std::string render_domain_probe(const domain::DomainResult& result, double qos_timeout_seconds,
                                const std::vector<std::string>& step_names, const DomainChecks& checks) {
  const auto addresses = classify_addresses(result, qos_timeout_seconds);
  const DomainSummary summary = summarize(result, addresses, checks);
  ProbeText text;
  for (std::size_t i = 0; i < domain_family_count(); ++i) {
    if (!domain_family_shows(i, summary)) continue;
    const FamilyInfo& family = domain_family(i).probe;
    text.family(family);
    write_domain_series(text.out, i, family.name, "", summary);
  }
  text.single(kDomainDuration.probe, result.duration_seconds);

  std::vector<Session> sessions;
  for (const auto& [probe, verdict] : addresses) {
    Labels labels{{"mx", probe->mx}, {"address", probe->address}, {"family", domain::family_name(probe->family)}};
    sessions.push_back(make_session(probe->result, verdict, std::move(labels), step_names));
  }
  write_sessions(text, sessions, qos_timeout_seconds, step_names);
  return std::move(text.out);
}

}  // namespace smtp_exporter::metrics
