#include "app/app.hpp"

#include <algorithm>

#include <csignal>
#include <limits>

#include "log/log.hpp"
#include "version.hpp"

namespace smtp_exporter::app {

namespace asio = boost::asio;

namespace {

// A request cap of 0 means no limit.
std::size_t slots_for(std::size_t cap) { return cap == 0 ? std::numeric_limits<std::size_t>::max() : cap; }

}  // namespace

App::App(asio::io_context& io, Options options)
    : io_(io),
      options_(std::move(options)),
      run_(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count())),
      own_metrics_(kVersion, kRevision),
      runner_(own_metrics_),
      requests_(slots_for(options_.max_requests)),
      probe_requests_(slots_for(options_.max_probe_requests)),
      server_(io.get_executor(), [this](const http::Request& r) { return handle(r); }, options_.web),
      signals_(io, SIGHUP, SIGINT, SIGTERM) {
  server_.set_max_connections(options_.max_connections);
}

std::vector<config::Error> App::reload() {
  config::LoadResult loaded = config::load_file(options_.config_file);
  Modules modules;
  domain::PolicyFetchOptions policy_fetch;
  std::map<std::string, std::shared_ptr<asio::ssl::context>> loop_tls;
  if (loaded.errors.empty()) {
    modules = prepare_modules(*loaded.config, options_.config_file, loaded.errors);
    policy_fetch = prepare_policy_fetch(*loaded.config, options_.config_file, loaded.errors);
    loop_tls = prepare_loop_tls(*loaded.config, options_.config_file, loaded.errors);
  }
  if (!loaded.errors.empty()) {
    own_metrics_.config_reloaded(false, wall_now());
    for (const auto& e : loaded.errors) log::error("invalid configuration", {{"err", e.to_string()}});
    return std::move(loaded.errors);
  }
  apply(std::move(*loaded.config), std::move(modules), std::move(policy_fetch), loop_tls);
  own_metrics_.config_reloaded(true, wall_now());
  log::info("configuration loaded", {{"file", options_.config_file},
                                     {"targets", std::to_string(targets_.size())},
                                     {"loops", std::to_string(loops_.size())},
                                     {"mode", config_->global.mode == config::Mode::interval ? "interval" : "scrape"}});
  return {};
}

std::shared_ptr<dns::Resolver> App::resolver() {
  if (resolver_ || !config_) return resolver_;
  dns::ResolverOptions options;
  options.servers = config_->global.dns.servers;
  options.trust_anchor_file = config_->global.dns.trust_anchor_file;
  try {
    resolver_ = std::make_shared<dns::Resolver>(io_.get_executor(), options);
  } catch (const std::exception& e) {
    log::error("cannot start the DNS resolver of domain probes", {{"err", e.what()}});
  }
  return resolver_;
}

void App::apply(config::Config config, Modules modules, domain::PolicyFetchOptions policy_fetch,
                const std::map<std::string, std::shared_ptr<asio::ssl::context>>& loop_tls) {
  const bool interval_mode = config.global.mode == config::Mode::interval;
  if (!config_ || config_->global.dns != config.global.dns) resolver_.reset();  // made anew on first use
  runner_.set_domain_context([this] { return resolver(); }, std::move(policy_fetch));
  keep_shard(config.targets, options_.shard_count, options_.shard_index);
  targets_ = reload_targets(targets_, config.targets, modules, interval_mode).targets;
  // Loops run in both modes: a message per interval is not something a scrape can wait for.
  loops_ = reload_loops(std::move(loops_), config, modules, loop_tls, io_.get_executor(), run_,
                        [this] { return resolver(); });
  modules_ = std::move(modules);
  runner_.set_max_concurrent_probes(static_cast<std::size_t>(config.global.max_concurrent_probes));
  config_ = std::make_shared<const config::Config>(std::move(config));
  own_metrics_.set_targets(static_cast<double>(targets_.size()));
  // Only address targets keep transcripts (a domain's sessions record none), so only they count.
  const auto address_targets =
      std::count_if(targets_.begin(), targets_.end(), [](const auto& entry) { return !entry->domain; });
  runner_.set_transcript_share(transcript_share(static_cast<std::size_t>(address_targets)));
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
      [this, weak](Clock::time_point due) { return runner_.probe_target(weak.lock(), Clock::time_point::max(), due); },
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

}  // namespace smtp_exporter::app
