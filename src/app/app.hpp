// Wires the pipeline together: config -> scheduler | HTTP handlers -> prober -> classification
// -> metrics state -> exposition. Everything runs on one io_context thread, so no locks.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include "classify/qos.hpp"
#include "config/allowlist.hpp"
#include "config/config.hpp"
#include "http/server.hpp"
#include "metrics/exporter_metrics.hpp"
#include "metrics/target_state.hpp"
#include "prober/prober.hpp"
#include "scheduler/interval_loop.hpp"
#include "scheduler/probe_slots.hpp"
#include "web/web_config.hpp"

namespace smtp_exporter::app {

struct Options {
  std::string config_file = "smtp_exporter.yml";
  std::string listen_address = ":9025";
  std::string telemetry_path = "/metrics";
  std::chrono::duration<double> timeout_offset{0.5};
  // Sharding across replicas: keep the targets whose stable hash of `name` modulo
  // shard_count is shard_index.
  unsigned shard_count = 1;
  unsigned shard_index = 0;
  // /probe connects wherever it is told: --probe.allow limits it, --probe.disable turns it off.
  config::ProbeAllowList probe_allow;
  bool probe_disabled = false;
  std::size_t max_requests = 64;  // --web.max-requests: beyond it, 503 at once; 0 = no limit
  std::size_t max_connections = 512;  // --web.max-connections: beyond it, the longest idle closes; 0 = no limit
  web::WebConfig web;  // --web.config.file, loaded once at start: TLS, basic auth, headers
};

// One configured target and everything the exporter keeps for it.
// A module as probes use it: its settings and, with TLS, its client context (loading a trust
// store per probe would cost more than the probe).
struct ModuleRuntime {
  std::shared_ptr<const config::Module> settings;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // null without TLS
};

struct TargetEntry {
  config::Target target;
  std::shared_ptr<const config::Module> module;
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  metrics::TargetState state;
  std::shared_ptr<scheduler::IntervalLoop> loop;  // interval mode only
  bool removed = false;                          // dropped by a reload; results are discarded
  std::optional<classify::Verdict> last_verdict;
  std::optional<double> last_latency;
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

struct Outcome {
  prober::ProbeResult result;
  classify::Verdict verdict;
};

class App {
 public:
  App(boost::asio::io_context& io, Options options);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Loads the config file and applies it. Returns the errors (empty on success); on error the
  // running config, if any, stays as it was.
  std::vector<config::Error> reload();

  // Listens, starts the probe loops and handles SIGHUP/SIGINT/SIGTERM. Throws on bind errors.
  void start();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return server_.local_endpoint(); }
  // After the io_context has stopped, before it is shut down (see http::Server::join_threads).
  void join_threads() { server_.join_threads(); }

 private:
  using Clock = std::chrono::steady_clock;

  void apply(config::Config config, std::map<std::string, ModuleRuntime> modules);
  // The runtime form of every module; errors (a certificate that does not load) are appended.
  std::map<std::string, ModuleRuntime> prepare_modules(const config::Config& config,
                                                       std::vector<config::Error>& errors) const;
  void start_loop(const std::shared_ptr<TargetEntry>& entry);
  // `due`: when an interval-mode probe was due (its start is reported as scheduling lag).
  // Fills `out` in place; `out` must outlive the coroutine.
  boost::asio::awaitable<void> execute(config::HostPort address, const ModuleRuntime& module,
                                       Clock::time_point deadline, bool transcript,
                                       std::optional<Clock::time_point> due, Outcome& out);
  boost::asio::awaitable<void> probe_target(std::shared_ptr<TargetEntry> entry, Clock::time_point deadline,
                                            std::optional<Clock::time_point> due);
  boost::asio::awaitable<void> probe_all(Clock::time_point deadline);
  // Adds a probe to the landing page's recent list.
  void remember(const std::string& target, const std::string& module, const Outcome& out, double wall_time);
  void wait_for_signals();

  // HTTP routes.
  boost::asio::awaitable<http::Reply> route(const http::Request& request);
  boost::asio::awaitable<http::Reply> serve_metrics(const http::Request& request);
  boost::asio::awaitable<http::Response> serve_probe(const http::Request& request, const std::string& target);
  http::Response serve_reload(const http::Request& request);
  http::Response serve_landing_page() const;
  // Deadline from X-Prometheus-Scrape-Timeout-Seconds minus --timeout-offset; nullopt if the
  // header is malformed; max() if absent.
  std::optional<Clock::time_point> scrape_deadline(const http::Request& request) const;
  // Why --probe.allow refuses `target` ("" if allowed). Names that no glob allows are resolved
  // and every address must fall in an allowed CIDR.
  boost::asio::awaitable<std::string> probe_refusal(const config::HostPort& target, config::IpProtocol family,
                                                    Clock::time_point deadline);

  boost::asio::io_context& io_;
  Options options_;
  std::shared_ptr<const config::Config> config_;
  std::vector<std::shared_ptr<TargetEntry>> targets_;  // in config file order
  std::map<std::string, ModuleRuntime> modules_;
  scheduler::ProbeSlots slots_;
  metrics::ExporterMetrics own_metrics_;
  std::deque<RecentProbe> recent_;
  http::Server server_;
  boost::asio::signal_set signals_;
};

}  // namespace smtp_exporter::app
