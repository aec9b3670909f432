#include "app/probe_runner.hpp"

#include <exception>
#include <memory>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "log/log.hpp"
#include "prober/prober.hpp"

namespace smtp_exporter::app {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Completion for detached coroutines: an escaped exception is a bug; log it, don't lose it.
void log_exception(const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log::error("internal error in a coroutine", {{"err", e.what()}});
  }
}

// How a coroutine that was cancelled ends: Asio throws operation_aborted at its next co_await.
bool is_cancellation(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const boost::system::system_error& e) {
    return e.code() == asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

}  // namespace

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ProbeRunner::ProbeRunner(metrics::ExporterMetrics& own_metrics) : own_metrics_(own_metrics), slots_(256) {}

asio::awaitable<void> ProbeRunner::run(config::HostPort address, const ModuleRuntime& runtime,
                                       Clock::time_point deadline, bool transcript,
                                       std::optional<Clock::time_point> due, Outcome& out, ClientWatch* client) {
  // Copies taken before the first suspension: a reload may replace `runtime` meanwhile.
  ModuleRuntime module = runtime;
  // A probe that waits for a slot has not started: its clock starts after the wait.
  auto slot = slots_.try_acquire();
  if (!slot) {
    auto granted = co_await slots_.acquire();
    slot.emplace(std::move(granted));
  }
  if (client != nullptr) {
    if (client->gone) co_return;  // its /probe client left while it waited: nobody wants it
    client->probing = true;
  }
  own_metrics_.probe_started();
  // Also when a cancelled /probe unwinds out of the prober (run_for_client).
  struct InFlight {
    metrics::ExporterMetrics& metrics;
    ~InFlight() { metrics.probe_finished(); }
  } in_flight{own_metrics_};
  if (due) own_metrics_.probe_lag(std::chrono::duration<double>(Clock::now() - *due).count());
  const auto hard_deadline = std::min(deadline, Clock::now() + module.settings->timeout);
  // A named request, not a braced temporary: g++ 12 destroys such temporaries in a co_await
  // expression twice.
  prober::ProbeRequest request;
  request.address = std::move(address);
  request.module = std::move(module.settings);
  request.deadline = hard_deadline;
  request.record_transcript = transcript;
  request.tls_context = std::move(module.tls_context);
  co_await prober::probe_into(request, out.result);
  out.verdict = classify::classify(out.result, request.module->qos_timeout);
}

asio::awaitable<prober::ProbeResult> ProbeRunner::session(prober::ProbeRequest request) {
  auto slot = slots_.try_acquire();
  if (!slot) {
    auto granted = co_await slots_.acquire();
    slot.emplace(std::move(granted));
  }
  own_metrics_.probe_started();
  struct InFlight {
    metrics::ExporterMetrics& metrics;
    ~InFlight() { metrics.probe_finished(); }
  } in_flight{own_metrics_};
  prober::ProbeResult result;
  co_await prober::probe_into(request, result);
  co_return result;
}

asio::awaitable<domain::DomainResult> ProbeRunner::run_domain(config::DomainTarget target, const ModuleRuntime& runtime,
                                                              Clock::time_point deadline,
                                                              std::function<bool(const std::string&)> allow) {
  const ModuleRuntime module = runtime;  // a reload may replace `runtime` meanwhile
  const auto resolver = resolver_source_ ? resolver_source_() : nullptr;
  if (!resolver) {
    domain::DomainResult failed;
    failed.dns_failure = domain::DnsFailure::servfail;
    failed.detail = "no DNS resolver (see the log)";
    co_return failed;
  }
  domain::DomainRequest request;
  request.domain = target.name;
  request.port = target.port;
  request.module = module.settings;
  request.tls_context = module.tls_context;
  request.deadline = std::min(deadline, Clock::now() + module.settings->timeout);
  request.max_mx = static_cast<std::size_t>(target.max_mx);
  request.max_addresses_per_mx = static_cast<std::size_t>(target.max_addresses_per_mx);
  request.check_mta_sts = target.mta_sts;
  request.check_dane = target.dane;
  request.policy_fetch = policy_fetch_;
  request.run_session = [this](prober::ProbeRequest r) { return session(std::move(r)); };
  request.allow_address = std::move(allow);
  co_return co_await domain::probe_domain(request, *resolver);
}

asio::awaitable<void> ProbeRunner::probe_domain_target(std::shared_ptr<TargetEntry> entry, Clock::time_point deadline,
                                                       std::optional<Clock::time_point> due) {
  if (due) own_metrics_.probe_lag(std::chrono::duration<double>(Clock::now() - *due).count());
  // A named value, not a braced temporary in the co_await: g++ 12 may destroy such a temporary
  // twice (its shared_ptrs then corrupt the heap).
  const ModuleRuntime module{entry->module, entry->tls_context};
  const domain::DomainResult result = co_await run_domain(*entry->target.domain, module, deadline, nullptr);
  if (entry->removed) co_return;  // reloaded away while probing
  const std::size_t exporter_errors = entry->domain->record(result, wall_now());
  for (std::size_t i = 0; i < exporter_errors; ++i) own_metrics_.probe_error();
  if (log::enabled(log::Level::debug)) {
    log::debug("domain probe finished", {{"target", entry->target.name},
                                         {"addresses", std::to_string(result.addresses.size())},
                                         {"detail", result.detail}});
  }
}

asio::awaitable<void> ProbeRunner::probe_target(std::shared_ptr<TargetEntry> entry, Clock::time_point deadline,
                                                std::optional<Clock::time_point> due) {
  if (!entry || entry->removed) co_return;
  if (entry->domain) {
    co_await probe_domain_target(std::move(entry), deadline, due);
    co_return;
  }
  const ModuleRuntime module{entry->module, entry->tls_context};
  Outcome out;
  // The prober keeps a transcript only when asked: asked only while there is room to keep it.
  const bool transcript = transcript_share_ > 0;
  co_await run(entry->target.address, module, deadline, transcript, due, out);
  if (entry->removed) co_return;  // reloaded away while probing
  if (out.result.exporter_error) {  // our failure, not the target's: counted for us, not for it
    own_metrics_.probe_error();
    log::error("cannot probe", {{"target", entry->target.name}, {"err", out.result.detail}});
    co_return;
  }
  const double now = wall_now();
  entry->state.record(out.result, out.verdict, now);
  entry->last_verdict = out.verdict;
  entry->last_latency = out.result.ehlo_latency_seconds;
  entry->history.record(out.result, out.verdict, now, transcript_share_);
  remember(entry->target.name, entry->target.module, out, now);
  if (log::enabled(log::Level::debug)) {
    log::debug("probe finished", {{"target", entry->target.name},
                                  {"event", classify::event_name(out.verdict.event)},
                                  {"reason", prober::failure_name(out.verdict.reason)},
                                  {"detail", out.result.detail}});
  }
}

asio::awaitable<void> ProbeRunner::probe_all(Targets targets, Clock::time_point deadline) {
  if (targets.empty()) co_return;
  const auto executor = co_await asio::this_coro::executor;
  auto remaining = std::make_shared<std::size_t>(targets.size());
  auto all_done = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  for (const auto& entry : targets) {
    asio::co_spawn(
        executor,
        [this, entry, deadline, remaining, all_done]() -> asio::awaitable<void> {
          // Counts down even if the probe throws, so the scrape never waits forever.
          struct Done {
            std::shared_ptr<std::size_t> remaining;
            std::shared_ptr<asio::steady_timer> all_done;
            ~Done() {
              if (--*remaining == 0) all_done->cancel();
            }
          } done{remaining, all_done};
          co_await probe_target(entry, deadline, std::nullopt);
        },
        log_exception);
  }
  // Not cancelled when the scrape's client leaves: the probes run on and record their results,
  // and the scrape keeps its place under --web.max-requests until they end, so that scrapes
  // whose clients hang up cannot start probes without bound.
  co_await all_done->async_wait(asio::bind_cancellation_slot(asio::cancellation_slot(), use_tuple));
}

// The prober stops a probe at its deadline and offers nothing else to stop it, but Asio's
// per-operation cancellation reaches whatever it waits for (connect, read, write, handshake,
// the DNS wait): that operation ends with operation_aborted, and the probe's coroutine throws
// operation_aborted at its next co_await, which unwinds it cleanly (its socket, deadline watch
// and slot are all owned by objects that close or return them). Letting the probe run on to its
// deadline with its result ignored would be simpler, but would keep its slot and socket (up to
// the module's timeout) for a client that is gone, and a flood of clients that ask and hang up
// would pile such probes up. The probe runs in a coroutine of its own because only it may be
// cancelled: the HTTP handler's own cancellation must not reach the wait for a probe slot
// (ProbeSlots counts a slot only when wake() hands it over), so a probe still waiting for its
// slot is told through ClientWatch instead, and gives the slot straight back when it gets it.
asio::awaitable<bool> ProbeRunner::run_for_client(config::HostPort address, const ModuleRuntime& module,
                                                  Clock::time_point deadline, bool transcript, Outcome& out,
                                                  scheduler::ProbeSlots::Slot hold) {
  struct Job {
    explicit Job(const asio::any_io_executor& executor) : ended(executor, asio::steady_timer::time_point::max()) {}
    asio::steady_timer ended;  // cancelled when the probe's coroutine has ended
    asio::cancellation_signal cancel;
    ClientWatch client;
    bool done = false;
    std::exception_ptr error;  // a bug's exception, rethrown to the handler
    Outcome out;
  };
  const auto executor = co_await asio::this_coro::executor;
  auto job = std::make_shared<Job>(executor);
  asio::co_spawn(
      executor,
      [this, job, address = std::move(address), module, deadline, transcript,
       hold = std::move(hold)]() mutable -> asio::awaitable<void> {
        co_await run(std::move(address), module, deadline, transcript, std::nullopt, job->out, &job->client);
      },
      asio::bind_cancellation_slot(job->cancel.slot(), [job](const std::exception_ptr& error) {
        job->done = true;
        job->ended.cancel();
        if (!error || (job->client.gone && is_cancellation(error))) return;
        if (job->client.gone) log_exception(error);  // nobody waits to rethrow it
        else job->error = error;
      }));
  co_await job->ended.async_wait(use_tuple);
  if (job->done) {
    if (job->error) std::rethrow_exception(job->error);
    out = std::move(job->out);
    co_return true;
  }
  // The wait was cancelled: the client is gone.
  job->client.gone = true;
  if (job->client.probing) job->cancel.emit(asio::cancellation_type::terminal);
  co_return false;
}

void ProbeRunner::remember(const std::string& target, const std::string& module, const Outcome& out,
                           double wall_time) {
  recent_.push_front({target, module, wall_time, out.verdict, out.result.ehlo_latency_seconds, out.result.total_seconds});
  if (recent_.size() > kRecentProbes) recent_.pop_back();
}

}  // namespace smtp_exporter::app
