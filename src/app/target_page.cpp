#include "app/target_page.hpp"

#include <algorithm>
#include <cstdio>

#include "app/probe_runner.hpp"
#include "app/status_view.hpp"
#include "status_templates.hpp"  // generated from src/app/templates/*.mustache

namespace smtp_exporter::app {

namespace {

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", 100 * share);
  return buf;
}

// The phases that ran, each as a piece of the bar as wide as its share of their sum.
mustache::data phases_view(const std::array<double, prober::kPhaseCount>& seconds) {
  double total = 0;
  for (const double s : seconds) total += s;
  mustache::data list{mustache::data::type::list};
  if (!(total > 0)) return list;
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    if (!(seconds[i] > 0)) continue;
    mustache::data phase;
    phase.set("name", std::string(prober::kPhaseNames[i]));
    phase.set("seconds", format_seconds(seconds[i]));
    phase.set("percent", percent(seconds[i] / total));
    list.push_back(phase);
  }
  return list;
}

mustache::data tls_view(const prober::TlsFacts& tls, double now) {
  mustache::data view;
  view.set("version", tls.version);
  view.set("cipher", tls.cipher);
  view.set("verified", std::string(tls.verified ? "yes" : "no"));
  view.set("verified_css", std::string(tls.verified ? "ok" : "fail"));
  view.set("subject", tls.subject_cn);
  view.set("issuer", tls.issuer_cn);
  view.set("serial", tls.serial);
  view.set("fingerprint", tls.fingerprint_sha256);
  view.set("not_after", format_time(tls.cert_not_after));
  view.set("days_left", days_left(tls.cert_not_after, now));
  view.set("chain_not_after", format_time(tls.chain_not_after));
  return view;
}

std::string kib(std::size_t bytes) { return std::to_string(bytes / 1024) + " KiB"; }

void address_target(const TargetEntry& entry, const TargetPage& page, double now, mustache::data& view) {
  const metrics::TargetState& state = entry.state;
  view.set("where", entry.target.address.to_string());
  view.set("phases", phases_view(state.phase_seconds()));
  if (state.tls()) view.set("tls", tls_view(*state.tls(), now));
  const std::string probe = "/probe?target=" + url_encode(entry.target.address.to_string()) +
                            "&module=" + url_encode(entry.target.module);
  view.set("probe_href", probe);
  view.set("debug_href", probe + "&debug=true");

  // The newest kProbes samples, the newest first, each with its transcript where one is kept.
  const std::vector<ProbeSample>& samples = entry.history.samples();
  const std::vector<KeptTranscript>& transcripts = entry.history.transcripts();
  mustache::data probes{mustache::data::type::list};
  for (std::size_t i = 0; i < std::min(samples.size(), StatusHistory::kProbes); ++i) {
    const ProbeSample& sample = samples[samples.size() - 1 - i];
    const StateView state_of = state_view(sample.event());
    mustache::data p;
    p.set("time", format_time(sample.finished()));
    p.set("state_css", std::string(state_of.css));
    p.set("state", std::string(state_of.words));
    p.set("reason", std::string(sample.event() == classify::Event::failed ? prober::failure_name(sample.reason())
                                                                           : std::string_view("-")));
    p.set("latency", format_seconds(sample.latency()));
    p.set("duration", format_seconds(sample.duration()));
    if (i < transcripts.size() && !transcripts[i].lines.empty()) p.set("transcript", transcripts[i].text());
    probes.push_back(p);
  }
  view.set("probes", probes);
  view.set("has_probes", !samples.empty());
  view.set("kept_probes", std::to_string(StatusHistory::kProbes));
  view.set("transcript_cap", std::to_string(StatusHistory::kTranscriptBytes));
  if (page.transcript_share > 0) view.set("transcript_share", kib(page.transcript_share));
  view.set("transcript_targets", std::to_string(kTranscriptTargets));
}

void domain_target(const TargetEntry& entry, double now, mustache::data& view) {
  const metrics::DomainState& domain = *entry.domain;
  const config::DomainTarget& target = *entry.target.domain;
  view.set("where", "domain " + target.name + " port " + std::to_string(target.port));
  view.set("is_domain", true);
  const std::string probe = "/probe?domain=" + url_encode(target.name) + "&port=" + std::to_string(target.port) +
                            "&module=" + url_encode(entry.target.module);
  view.set("probe_href", probe);
  mustache::data addresses{mustache::data::type::list};
  for (const metrics::DomainSummary::Address& address : domain.summary().addresses_probed) {
    const metrics::TargetState* state = domain.address_state(address.mx, address.address);
    if (state == nullptr) continue;
    mustache::data a;
    a.set("mx", address.mx);
    a.set("address", address.address);
    a.set("state_css", std::string(state->probe_success() ? "ok" : "fail"));
    a.set("state", std::string(state->probe_success() ? "up" : "down"));
    a.set("reason", std::string(state->probe_success() ? std::string_view("-")
                                                       : prober::failure_name(state->last_failure())));
    a.set("phases", phases_view(state->phase_seconds()));
    if (state->tls()) a.set("tls", tls_view(*state->tls(), now));
    addresses.push_back(a);
  }
  view.set("addresses", addresses);
}

}  // namespace

std::shared_ptr<TargetEntry> find_target(const Targets& targets, std::string_view name) {
  for (const auto& entry : targets) {
    if (entry->target.name == name) return entry;
  }
  return nullptr;
}

std::string render_target_page(const TargetPage& page) {
  const TargetEntry& entry = page.entry;
  const double now = page.now > 0 ? page.now : wall_now();
  mustache::data view;
  view.set("name", entry.target.name);
  view.set("module", entry.target.module);
  StateView state;
  double last_run = 0;
  std::string reason = "-";
  if (entry.domain) {
    state = domain_state_view(entry.domain->has_run(), entry.domain->summary().success);
    last_run = entry.domain->last_run_timestamp();
    if (entry.domain->summary().dns_failure != domain::DnsFailure::none) {
      reason = "DNS: " + std::string(domain::dns_failure_name(entry.domain->summary().dns_failure));
    }
    domain_target(entry, now, view);
  } else {
    state = state_view(entry.last_verdict);
    last_run = entry.state.last_run_timestamp();
    if (entry.last_verdict && entry.last_verdict->event == classify::Event::failed) {
      reason = std::string(prober::failure_name(entry.last_verdict->reason));
      if (!entry.history.last_detail().empty()) reason += ": " + entry.history.last_detail();
    }
    address_target(entry, page, now, view);
    view.set("qos", format_seconds(entry.state.qos_timeout_seconds()));
    const auto& events = entry.state.events();
    view.set("n5510", std::to_string(events[0]));
    view.set("n5511", std::to_string(events[1]));
    view.set("n5509", std::to_string(events[2]));
  }
  view.set("state_css", std::string(state.css));
  view.set("state", std::string(state.words));
  view.set("last_probe", format_time(last_run));
  view.set("reason", reason);
  static PageTemplate target_page{templates::target_page};
  return target_page.render(std::move(view));
}

}  // namespace smtp_exporter::app
