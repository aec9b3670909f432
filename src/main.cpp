// smtp_exporter: parses the flags and wires the pipeline together; all logic is in src/*/.
#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>

#include "app/app.hpp"
#include "config/config.hpp"
#include "http/server.hpp"
#include "log/log.hpp"
#include "prober/stamped_read.hpp"
#include "version.hpp"
#include "web/web_config.hpp"

namespace se = smtp_exporter;

namespace {
// Lets main() destroy the suspended coroutines (which hold parts of the App) while the App
// still exists; the io_context's destructor would do it only after the App is gone.
class IoContext : public boost::asio::io_context {
 public:
  using boost::asio::io_context::io_context;
  using boost::asio::io_context::shutdown;
};

// --timeout-offset: seconds as blackbox_exporter takes them ("0.5"), with or without an "s",
// or a Prometheus duration ("500ms").
std::optional<std::chrono::duration<double>> parse_offset(const std::string& text) {
  if (const auto d = se::config::parse_duration(text)) return *d;
  std::string number = text;
  if (!number.empty() && number.back() == 's') number.pop_back();
  double seconds = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seconds);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() || seconds < 0) return std::nullopt;
  return std::chrono::duration<double>(seconds);
}

// Every probe and every scrape holds a socket: take the hard limit on open files, not the soft one.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const auto before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  }
  se::log::info("open file limit", {{"soft", std::to_string(limit.rlim_cur)}, {"was", std::to_string(before)},
                                    {"hard", std::to_string(limit.rlim_max)}});
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"smtp_exporter: probes SMTP servers (greeting, EHLO, QUIT), classifies each probe by\n"
               "ELM's QoS rule (5510/5511/5509) and serves the results to Prometheus."};
  cli.get_formatter()->column_width(34);
  se::app::Options options;
  bool check_only = false;
  bool show_version = false;
  std::string level = "info", format = "logfmt", timeout_offset = "0.5s", web_config_file;
  cli.add_option("--config.file", options.config_file, "Configuration file")->capture_default_str();
  cli.add_flag("--config.check", check_only, "Validate the configuration file, print every error and exit");
  cli.add_option("--web.listen-address", options.listen_address, "Address to listen on")->capture_default_str();
  cli.add_option("--web.config.file", web_config_file,
                 "Web config file (exporter-toolkit format): TLS, basic auth and headers for the exporter's "
                 "own endpoints; empty: plain HTTP without auth");
  cli.add_option("--web.telemetry-path", options.telemetry_path, "Path under which to expose metrics")
      ->capture_default_str();
  cli.add_option("--log.level", level, "Only log messages with this severity or above: debug, info, warn, error")
      ->capture_default_str();
  cli.add_option("--log.format", format, "Log format: logfmt or json")->capture_default_str();
  cli.add_option("--timeout-offset", timeout_offset,
                 "Subtracted from Prometheus' scrape timeout to give the probe deadline")
      ->capture_default_str();
  cli.add_option("--shard.count", options.shard_count,
                 "Number of replicas that split the configured targets between them")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  cli.add_option("--shard.index", options.shard_index,
                 "This replica's shard, 0 to shard.count-1: it probes the targets whose hash of name falls to it")
      ->capture_default_str();
  std::vector<std::string> probe_allow;
  cli.add_option("--probe.allow", probe_allow,
                 "Targets /probe may connect to (repeatable): a CIDR like 10.0.0.0/8 or a host glob like "
                 "*.mail.example.org, optionally with :port. Default: any")
      ->allow_extra_args(false);
  cli.add_flag("--probe.disable", options.probe_disabled, "Turn /probe off");
  cli.add_option("--web.max-requests", options.max_requests,
                 "Requests served at once, /probe and the health checks aside; beyond it, 503 at once. "
                 "0 means no limit")
      ->capture_default_str();
  cli.add_option("--web.max-probe-requests", options.max_probe_requests,
                 "/probe requests served at once; beyond it, 503 at once. 0 means no limit")
      ->capture_default_str();
  cli.add_option("--web.max-connections", options.max_connections,
                 "HTTP connections open at once; beyond it, the longest idle one is closed. 0 means no limit")
      ->capture_default_str();
  cli.add_flag("--version", show_version, "Print the version and exit");
  CLI11_PARSE(cli, argc, argv);

  if (show_version) {
    std::cout << "smtp_exporter, version " << se::kVersion << " (revision: " << se::kRevision << ")\n";
    return 0;
  }
  se::log::Level log_level;
  se::log::Format log_format;
  if (!se::log::parse_level(level, log_level)) {
    std::cerr << "--log.level: unknown level \"" << level << "\" (debug, info, warn, error)\n";
    return 2;
  }
  if (!se::log::parse_format(format, log_format)) {
    std::cerr << "--log.format: unknown format \"" << format << "\" (logfmt, json)\n";
    return 2;
  }
  const auto offset = parse_offset(timeout_offset);
  if (!offset) {
    std::cerr << "--timeout-offset: expected seconds or a duration (0.5, 0.5s, 500ms), got \"" << timeout_offset
              << "\"\n";
    return 2;
  }
  options.timeout_offset = *offset;
  if (options.shard_index >= options.shard_count) {
    std::cerr << "--shard.index must be below --shard.count (" << options.shard_count << ")\n";
    return 2;
  }
  for (const auto& text : probe_allow) {
    std::string why;
    auto pattern = se::config::ProbeAllowList::parse(text, &why);
    if (!pattern) {
      std::cerr << "--probe.allow \"" << text << "\": " << why << "\n";
      return 2;
    }
    options.probe_allow.add(std::move(*pattern));
  }
  if (options.telemetry_path.empty() || options.telemetry_path.front() != '/') {
    std::cerr << "--web.telemetry-path must start with /\n";
    return 2;
  }

  if (!web_config_file.empty()) {
    auto loaded = se::web::load_web_config(web_config_file);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.errors.empty()) {
      std::cerr << web_config_file << ": " << loaded.errors.size() << " error(s)\n";
      return 1;
    }
    options.web = std::move(*loaded.config);
  }

  if (check_only) {
    const auto loaded = se::config::load_file(options.config_file);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.errors.empty()) {
      std::cerr << options.config_file << ": " << loaded.errors.size() << " error(s)\n";
      return 1;
    }
    std::cout << options.config_file << ": configuration is valid (" << loaded.config->targets.size()
              << " targets, " << loaded.config->modules.size() << " modules, " << loaded.config->loops.size()
              << " loops)\n";
    return 0;
  }

  se::log::init(log_level, log_format);
  se::log::info("starting smtp_exporter", {{"version", se::kVersion}, {"revision", se::kRevision}});
  if (!web_config_file.empty()) {
    se::log::info("web configuration loaded",
                  {{"file", web_config_file},
                   {"tls", options.web.tls ? "true" : "false"},
                   {"basic_auth_users", std::to_string(options.web.basic_auth_users.size())}});
  }
  raise_open_file_limit();
  se::prober::keep_arrival_times_on();
  // One thread runs everything, so Asio need not lock its reactor (sockets and timers); it
  // still locks its queue, which the resolver's and the password check's threads post to.
  IoContext io(static_cast<int>(BOOST_ASIO_CONCURRENCY_HINT_ID | BOOST_ASIO_CONCURRENCY_HINT_LOCKING_SCHEDULER));
  se::app::App app(io, options);
  if (!app.reload().empty()) {
    se::log::error("cannot start without a valid configuration", {{"file", options.config_file}});
    return 1;
  }
  try {
    app.start();
  } catch (const std::exception& e) {
    se::log::error("cannot start", {{"err", e.what()}});
    return 1;
  }
  io.run();
  app.join_threads();
  io.shutdown();
  se::log::info("stopped");
  return 0;
}
