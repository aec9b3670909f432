// Wires the pipeline together: config -> target set (targets.hpp) -> interval loops | HTTP
// routes (routes.cpp) -> probes (probe_runner.hpp) -> metrics state -> exposition; and the mail
// loops (loops.hpp), each with its own state. Everything runs on one io_context thread, so no
// locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/loops.hpp"
#include "app/probe_runner.hpp"
#include "app/targets.hpp"
#include "config/allowlist.hpp"
#include "config/config.hpp"
#include "http/query.hpp"
#include "http/server.hpp"
#include "metrics/exporter_metrics.hpp"
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
  // Requests served at once, beyond which a 503 comes at once; 0 = no limit. /probe has a cap
  // of its own, so a flood of probes cannot crowd out the scrapes of /metrics; /-/healthy and
  // /-/ready are never refused.
  std::size_t max_requests = 64;        // --web.max-requests: every path but /probe and the health checks
  std::size_t max_probe_requests = 64;  // --web.max-probe-requests: /probe
  std::size_t max_connections = 512;  // --web.max-connections: beyond it, the longest idle closes; 0 = no limit
  web::WebConfig web;  // --web.config.file, loaded once at start: TLS, basic auth, headers
};

class App {
 public:
  using Clock = std::chrono::steady_clock;

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

  // Answers one HTTP request: the handler the server calls (routes.cpp).
  boost::asio::awaitable<http::Reply> handle(const http::Request& request);

 private:
  void apply(config::Config config, Modules modules, domain::PolicyFetchOptions policy_fetch,
             const std::map<std::string, std::shared_ptr<boost::asio::ssl::context>>& loop_tls);
  // The resolver of domain probes, made on first use with the config's global.dns (a reload
  // that changes it makes a new one; probes in flight keep the old); null if it cannot be made.
  std::shared_ptr<dns::Resolver> resolver();
  void start_loop(const std::shared_ptr<TargetEntry>& entry);
  void wait_for_signals();

  // HTTP routes (routes.cpp).
  boost::asio::awaitable<http::Reply> serve_metrics(const http::Request& request);
  // `hold`: this request's place under --web.max-probe-requests, kept until its probe ends.
  boost::asio::awaitable<http::Response> serve_probe(const http::Request& request, const http::Target& query,
                                                     scheduler::ProbeSlots::Slot hold);
  boost::asio::awaitable<http::Response> serve_domain_probe(const http::Request& request, const http::Target& query,
                                                            const std::string& domain_param);
  http::Response serve_reload(const http::Request& request);
  http::Reply serve_landing_page() const;
  // /target?name=...: 400 without a name, 404 for a name no target has.
  http::Response serve_target_page(const http::Target& query) const;
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
  Targets targets_;  // in config file order
  Modules modules_;
  Loops loops_;      // in config file order
  // This process's mark on its loop messages (Token::run): when it started, in milliseconds.
  std::uint64_t run_;
  std::shared_ptr<dns::Resolver> resolver_;
  metrics::ExporterMetrics own_metrics_;
  ProbeRunner runner_;
  // The requests being served, against --web.max-requests and --web.max-probe-requests (used
  // without waiting: a request beyond the cap is answered 503 at once).
  scheduler::ProbeSlots requests_;
  scheduler::ProbeSlots probe_requests_;
  http::Server server_;
  boost::asio::signal_set signals_;
};

}  // namespace smtp_exporter::app
