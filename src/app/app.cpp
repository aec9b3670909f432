#include "app/app.hpp"

#include <csignal>
#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "log/log.hpp"
#include "prober/tls.hpp"
#include "version.hpp"

namespace smtp_exporter::app {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kRecentProbes = 50;

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Completion for detached coroutines: an escaped exception is a bug; log it, don't lose it.
void log_exception(const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log::error("internal error in a coroutine", {{"err", e.what()}});
  }
}

// Does `b` keep the series of `a` (same identity and probe settings)? The interval is not part
// of it: a changed interval only restarts the loop.
bool same_series(const TargetEntry& a, const config::Target& b, const config::Module& b_module) {
  return a.target.name == b.name && a.target.address == b.address && a.target.module == b.module &&
         a.target.labels == b.labels && a.module->same_settings(b_module);
}

metrics::TargetState make_state(const config::Target& target, const config::Module& module) {
  return metrics::TargetState({target.name, target.module, target.labels},
                              classify::latency_bounds(module.buckets, module.qos_timeout),
                              std::chrono::duration<double>(module.qos_timeout).count(), module.step_names());
}

}  // namespace

App::App(asio::io_context& io, Options options)
    : io_(io),
      options_(std::move(options)),
      slots_(256),
      own_metrics_(kVersion, kRevision),
      server_(io.get_executor(), [this](const http::Request& r) { return route(r); }, options_.web),
      signals_(io, SIGHUP, SIGINT, SIGTERM) {
  server_.set_max_requests(options_.max_requests);
  server_.set_max_connections(options_.max_connections);
}

std::vector<config::Error> App::reload() {
  config::LoadResult loaded = config::load_file(options_.config_file);
  std::map<std::string, ModuleRuntime> modules;
  if (loaded.errors.empty()) modules = prepare_modules(*loaded.config, loaded.errors);
  if (!loaded.errors.empty()) {
    own_metrics_.config_reloaded(false, wall_now());
    for (const auto& e : loaded.errors) log::error("invalid configuration", {{"err", e.to_string()}});
    return std::move(loaded.errors);
  }
  apply(std::move(*loaded.config), std::move(modules));
  own_metrics_.config_reloaded(true, wall_now());
  log::info("configuration loaded", {{"file", options_.config_file},
                                     {"targets", std::to_string(targets_.size())},
                                     {"mode", config_->global.mode == config::Mode::interval ? "interval" : "scrape"}});
  return {};
}

std::map<std::string, ModuleRuntime> App::prepare_modules(const config::Config& config,
                                                          std::vector<config::Error>& errors) const {
  std::map<std::string, ModuleRuntime> modules;
  for (const auto& [name, module] : config.modules) {
    ModuleRuntime& runtime = modules[name];
    runtime.settings = std::make_shared<const config::Module>(module);
    if (module.tls == config::TlsMode::none) continue;
    try {
      runtime.tls_context = prober::make_tls_context(module.tls_config);
    } catch (const std::exception& e) {
      errors.push_back({options_.config_file, 0, 0, "modules." + name + ".tls_config", e.what()});
    }
  }
  return modules;
}

void App::apply(config::Config config, std::map<std::string, ModuleRuntime> modules) {
  std::map<std::string, std::shared_ptr<TargetEntry>> old;
  for (auto& entry : targets_) old[entry->target.name] = entry;

  const bool interval_mode = config.global.mode == config::Mode::interval;
  std::vector<std::shared_ptr<TargetEntry>> next;
  std::erase_if(config.targets, [this](const config::Target& t) {
    return scheduler::stable_hash(t.name) % options_.shard_count != options_.shard_index;
  });
  for (const auto& target : config.targets) {
    const ModuleRuntime& runtime = modules.at(target.module);
    const auto& module = runtime.settings;
    auto it = old.find(target.name);
    if (it != old.end() && same_series(*it->second, target, *module)) {
      auto entry = it->second;
      old.erase(it);
      const bool restart = entry->target.interval != target.interval || !interval_mode || !entry->loop;
      entry->target = target;
      entry->module = module;
      entry->tls_context = runtime.tls_context;
      if (restart && entry->loop) {
        entry->loop->stop();
        entry->loop.reset();
      }
      next.push_back(std::move(entry));
      continue;
    }
    next.push_back(std::make_shared<TargetEntry>(
        TargetEntry{target, module, runtime.tls_context, make_state(target, *module), {}, false, {}, {}}));
  }
  for (auto& [name, entry] : old) {  // removed or changed: its series go away
    entry->removed = true;
    if (entry->loop) entry->loop->stop();
  }
  targets_ = std::move(next);
  modules_ = std::move(modules);
  slots_.set_capacity(static_cast<std::size_t>(config.global.max_concurrent_probes));
  config_ = std::make_shared<const config::Config>(std::move(config));
  own_metrics_.set_targets(static_cast<double>(targets_.size()));
  if (interval_mode) {
    for (auto& entry : targets_) {
      if (!entry->loop) start_loop(entry);
    }
  }
}

void App::start_loop(const std::shared_ptr<TargetEntry>& entry) {
  std::weak_ptr<TargetEntry> weak = entry;
  entry->loop = scheduler::IntervalLoop::start(
      io_.get_executor(), entry->target.name, entry->target.interval,
      // Not a coroutine itself: it hands over probe_target's (one frame less per probe).
      [this, weak](Clock::time_point due) { return probe_target(weak.lock(), Clock::time_point::max(), due); },
      [this] { own_metrics_.probe_skipped(); });
}

void App::start() {
  server_.listen(options_.listen_address);
  log::info("listening", {{"address", options_.listen_address}, {"telemetry_path", options_.telemetry_path}});
  wait_for_signals();
}

void App::wait_for_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      log::info("SIGHUP received, reloading the configuration");
      reload();
      wait_for_signals();
      return;
    }
    log::info("shutting down", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
    io_.stop();
  });
}

asio::awaitable<void> App::execute(config::HostPort address, const ModuleRuntime& runtime,
                                   Clock::time_point deadline, bool transcript, std::optional<Clock::time_point> due,
                                   Outcome& out) {
  // Copies taken before the first suspension: a reload may replace `runtime` meanwhile.
  ModuleRuntime module = runtime;
  // A probe that waits for a slot has not started: its clock starts after the wait.
  auto slot = slots_.try_acquire();
  if (!slot) {
    auto granted = co_await slots_.acquire();
    slot.emplace(std::move(granted));
  }
  own_metrics_.probe_started();
  if (due) own_metrics_.probe_lag(std::chrono::duration<double>(Clock::now() - *due).count());
  const auto hard_deadline = std::min(deadline, Clock::now() + module.settings->timeout);
  // A named request, not a braced temporary: g++ 12 destroys such temporaries in a co_await
  // expression twice.
  prober::ProbeRequest request{std::move(address), std::move(module.settings), hard_deadline, transcript,
                               std::move(module.tls_context)};
  co_await prober::probe_into(request, out.result);
  own_metrics_.probe_finished();
  out.verdict = classify::classify(out.result, request.module->qos_timeout);
}

asio::awaitable<void> App::probe_target(std::shared_ptr<TargetEntry> entry, Clock::time_point deadline,
                                        std::optional<Clock::time_point> due) {
  if (!entry || entry->removed) co_return;
  const ModuleRuntime module{entry->module, entry->tls_context};
  Outcome out;
  co_await execute(entry->target.address, module, deadline, false, due, out);
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
  remember(entry->target.name, entry->target.module, out, now);
  if (log::enabled(log::Level::debug)) {
    log::debug("probe finished", {{"target", entry->target.name},
                                  {"event", classify::kEventNames[classify::event_index(out.verdict.event)]},
                                  {"reason", prober::failure_name(out.verdict.reason)},
                                  {"detail", out.result.detail}});
  }
}

void App::remember(const std::string& target, const std::string& module, const Outcome& out, double wall_time) {
  recent_.push_front({target, module, wall_time, out.verdict, out.result.ehlo_latency_seconds, out.result.total_seconds});
  if (recent_.size() > kRecentProbes) recent_.pop_back();
}

asio::awaitable<void> App::probe_all(Clock::time_point deadline) {
  const auto targets = targets_;  // a reload during the scrape does not disturb it
  if (targets.empty()) co_return;
  auto remaining = std::make_shared<std::size_t>(targets.size());
  auto all_done = std::make_shared<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  for (const auto& entry : targets) {
    asio::co_spawn(
        io_,
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
  co_await all_done->async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace smtp_exporter::app
