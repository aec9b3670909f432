// Running probes: a slot among max_concurrent_probes, the probe itself, its classification, and
// recording it (a configured target's state, the exporter's own metrics, the landing page's list
// of recent probes). Interval loops, scrape-mode scrapes and /probe all run their probes here.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "app/targets.hpp"
#include "classify/qos.hpp"
#include "config/config.hpp"
#include "dns/resolver.hpp"
#include "domain/domain_probe.hpp"
#include "metrics/exporter_metrics.hpp"
#include "prober/probe_result.hpp"
#include "scheduler/probe_slots.hpp"

namespace smtp_exporter::app {

struct Outcome {
  prober::ProbeResult result;
  classify::Verdict verdict;
};

// A line of the landing page's "recent probes" table.
struct RecentProbe {
  std::string target;
  std::string module;
  double wall_time = 0;
  classify::Verdict verdict;
  std::optional<double> latency;
  double duration = 0;
};

// How a probe learns that the client of its /probe request left (see run_for_client).
struct ClientWatch {
  bool gone = false;     // the client closed the connection: do not start the probe
  bool probing = false;  // the probe holds its slot and runs: it must be cancelled to stop
};

class ProbeRunner {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kRecentProbes = 50;

  explicit ProbeRunner(metrics::ExporterMetrics& own_metrics);
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  void set_max_concurrent_probes(std::size_t n) { slots_.set_capacity(n); }
  // The bytes of transcripts each configured target keeps for /target (transcript_share()); 0:
  // its probes record none.
  void set_transcript_share(std::size_t bytes) { transcript_share_ = bytes; }
  std::size_t transcript_share() const { return transcript_share_; }

  // One probe: waits for a slot (the wait is not part of the probe's timings), probes before
  // min(deadline, start + module timeout), classifies. `due`: when an interval-mode probe was
  // due (its start is reported as scheduling lag). Fills `out` in place; `out` (and `client`,
  // if set) must outlive the coroutine.
  boost::asio::awaitable<void> run(config::HostPort address, const ModuleRuntime& module,
                                   Clock::time_point deadline, bool transcript,
                                   std::optional<Clock::time_point> due, Outcome& out,
                                   ClientWatch* client = nullptr);

  // Domain targets and /probe?domain= resolve through what `source` gives (null when no
  // resolver can be made: the domain probe then reports a DNS failure), and fetch MTA-STS
  // policies with `policy_fetch`.
  void set_domain_context(std::function<std::shared_ptr<dns::Resolver>()> source,
                          domain::PolicyFetchOptions policy_fetch) {
    resolver_source_ = std::move(source);
    policy_fetch_ = std::move(policy_fetch);
  }

  // One domain probe: DNS, then a session per MX address, each taking a probe slot as it runs.
  // `allow` (null: all) may refuse an address before any session (DomainResult::refused_address).
  boost::asio::awaitable<domain::DomainResult> run_domain(config::DomainTarget target, const ModuleRuntime& module,
                                                          Clock::time_point deadline,
                                                          std::function<bool(const std::string&)> allow);

  // A configured target: runs its probe and records the outcome in its state.
  boost::asio::awaitable<void> probe_target(std::shared_ptr<TargetEntry> entry, Clock::time_point deadline,
                                            std::optional<Clock::time_point> due);

  // Scrape mode: probes every target of `targets` at once and waits for all of them (even when
  // the wait is cancelled).
  boost::asio::awaitable<void> probe_all(Targets targets, Clock::time_point deadline);

  // /probe: runs the probe in a coroutine of its own and waits for it. The HTTP server cancels
  // a handler whose client closed the connection; when that cancels this wait, the probe is
  // cancelled too (or, still waiting for a slot, never starts), so that it frees its slot and
  // socket at once instead of at its deadline. False then, with `out` untouched. `hold` (the
  // /probe request's place under --web.max-probe-requests) is released when the probe has
  // really ended, not when the client left.
  boost::asio::awaitable<bool> run_for_client(config::HostPort address, const ModuleRuntime& module,
                                              Clock::time_point deadline, bool transcript, Outcome& out,
                                              scheduler::ProbeSlots::Slot hold);

  // Adds a probe to the landing page's recent list (the newest first, at most kRecentProbes).
  void remember(const std::string& target, const std::string& module, const Outcome& out, double wall_time);
  const std::deque<RecentProbe>& recent() const { return recent_; }

 private:
  // One SMTP session of a domain probe, in a probe slot like every other probe.
  boost::asio::awaitable<prober::ProbeResult> session(prober::ProbeRequest request);
  boost::asio::awaitable<void> probe_domain_target(std::shared_ptr<TargetEntry> entry, Clock::time_point deadline,
                                                   std::optional<Clock::time_point> due);

  std::function<std::shared_ptr<dns::Resolver>()> resolver_source_;
  domain::PolicyFetchOptions policy_fetch_;

  metrics::ExporterMetrics& own_metrics_;
  scheduler::ProbeSlots slots_;
  std::deque<RecentProbe> recent_;
  std::size_t transcript_share_ = 0;
};

// Seconds since the Unix epoch, now.
double wall_now();

}  // namespace smtp_exporter::app
