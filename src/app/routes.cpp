// The HTTP endpoints: /metrics, /probe, /, /-/healthy, /-/ready, /-/reload.
#include <charconv>
#include <cstdio>
#include <ctime>

#include "app/app.hpp"
#include "http/gzip.hpp"
#include "http/query.hpp"
#include "log/log.hpp"
#include "metrics/probe_text.hpp"
#include "metrics/writer.hpp"
#include "version.hpp"

namespace smtp_exporter::app {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view kExpositionType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kDefaultModule = "smtp_ehlo";

http::Response text(bhttp::status status, std::string body) {
  return http::make_response(status, std::move(body));
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_time(double unix_seconds) {
  if (unix_seconds <= 0) return "never";
  const auto secs = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string format_seconds(std::optional<double> s) {
  if (!s) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", *s);
  return buf;
}

std::string_view event_name(classify::Event e) { return classify::kEventNames[classify::event_index(e)]; }

std::string transcript_text(const prober::ProbeResult& result) {
  std::string out;
  for (const auto& line : result.transcript) {
    char at[32];
    std::snprintf(at, sizeof at, "%9.6f ", line.at_seconds);
    out += at;
    out += line.direction;
    out += ' ';
    out += line.text;
    out += '\n';
  }
  return out;
}

}  // namespace

asio::awaitable<http::Reply> App::route(const http::Request& request) {
  std::string why;
  const auto target = http::parse_target(request.target(), why);
  if (!target) co_return text(bhttp::status::bad_request, why + "\n");
  const std::string& path = target->path;
  const bool read_only = request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;

  if (path == "/-/reload") co_return serve_reload(request);
  if (!read_only) co_return text(bhttp::status::method_not_allowed, "only GET and HEAD are allowed here\n");
  if (path == options_.telemetry_path) {
    http::Reply reply = co_await serve_metrics(request);
    co_return reply;
  }
  if (path == "/probe") {
    if (options_.probe_disabled) co_return text(bhttp::status::not_found, "/probe is disabled (--probe.disable)\n");
    co_return co_await serve_probe(request, std::string(request.target()));
  }
  if (path == "/-/healthy") co_return text(bhttp::status::ok, "Healthy\n");
  if (path == "/-/ready") co_return text(bhttp::status::ok, "Ready\n");
  if (path == "/") co_return serve_landing_page();
  co_return text(bhttp::status::not_found, "not found: " + path + "\n");
}

std::optional<App::Clock::time_point> App::scrape_deadline(const http::Request& request) const {
  const auto header = request.find("X-Prometheus-Scrape-Timeout-Seconds");
  if (header == request.end()) return Clock::time_point::max();
  const std::string value(header->value());
  double seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || !(seconds > 0)) return std::nullopt;
  // Leave --timeout-offset for the way back, but never go below zero.
  const double budget = std::max(seconds - options_.timeout_offset.count(), 0.0);
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget));
}

asio::awaitable<http::Reply> App::serve_metrics(const http::Request& request) {
  if (config_ && config_->global.mode == config::Mode::scrape) {
    const auto deadline = scrape_deadline(request);
    if (!deadline) co_return text(bhttp::status::bad_request, "malformed X-Prometheus-Scrape-Timeout-Seconds header\n");
    co_await probe_all(*deadline);
  }
  // Streamed in pieces of about kMetricsPiece bytes (gzipped when asked), so the body of
  // thousands of targets is never held whole. The pieces hold the targets alive: a reload
  // meanwhile does not cut the answer short.
  constexpr std::size_t kMetricsPiece = 512 * 1024;
  struct Body {
    std::vector<std::shared_ptr<TargetEntry>> entries;
    std::optional<metrics::TargetsWriter> writer;
    std::unique_ptr<http::GzipStream> gzip;  // null: plain text
    bool own_written = false;
    std::string plain;
  };
  auto body = std::make_shared<Body>();
  body->entries = targets_;
  std::vector<const metrics::TargetState*> states;
  states.reserve(body->entries.size());
  for (const auto& entry : body->entries) states.push_back(&entry->state);
  body->writer.emplace(std::move(states));
  const auto accept = request.find(bhttp::field::accept_encoding);
  if (accept != request.end() && http::accepts_gzip(accept->value())) body->gzip = std::make_unique<http::GzipStream>();

  http::Response head = http::make_response(bhttp::status::ok, "", kExpositionType);
  if (body->gzip) head.set(bhttp::field::content_encoding, "gzip");
  head.set(bhttp::field::vary, "Accept-Encoding");
  http::BodyWriter next = [this, body](std::string& out) {
    std::string& text = body->gzip ? body->plain : out;  // plain text goes straight out
    text.clear();
    if (!body->writer->done()) {
      body->writer->next(text, kMetricsPiece);
    } else {
      text = own_metrics_.render();
      body->own_written = true;
    }
    if (body->gzip) {
      body->gzip->write(text, out);
      if (body->own_written) body->gzip->finish(out);
    }
    return !body->own_written;
  };
  http::Reply reply(std::move(head), std::move(next));
  co_return reply;
}

asio::awaitable<http::Response> App::serve_probe(const http::Request& request, const std::string& raw_target) {
  std::string why;
  const auto query = http::parse_target(raw_target, why);
  const auto target_param = query->get("target");
  if (!target_param || target_param->empty()) {
    co_return text(bhttp::status::bad_request, "target parameter is missing\n");
  }
  const auto address = config::parse_host_port(*target_param, &why);
  if (!address) co_return text(bhttp::status::bad_request, "invalid target: " + why + "\n");
  const std::string module_name = query->get("module").value_or(std::string(kDefaultModule));
  const auto module = modules_.find(module_name);
  if (module == modules_.end()) {
    co_return text(bhttp::status::bad_request, "unknown module \"" + module_name + "\"\n");
  }
  const ModuleRuntime runtime = module->second;  // a reload may replace modules_ while we wait
  const auto deadline_or_error = scrape_deadline(request);
  if (!deadline_or_error) {
    co_return text(bhttp::status::bad_request, "malformed X-Prometheus-Scrape-Timeout-Seconds header\n");
  }
  const std::string refusal =
      co_await probe_refusal(*address, runtime.settings->ip_protocol, *deadline_or_error);
  if (!refusal.empty()) co_return text(bhttp::status::forbidden, refusal + "\n");
  const auto debug_param = query->get("debug").value_or("false");
  if (debug_param != "true" && debug_param != "false") {
    co_return text(bhttp::status::bad_request, "debug must be true or false\n");
  }
  const bool debug = debug_param == "true";
  const auto deadline = deadline_or_error;

  Outcome out;
  co_await execute(*address, runtime, *deadline, debug, std::nullopt, out);
  if (out.result.exporter_error) {
    own_metrics_.probe_error();
    log::error("cannot probe", {{"target", address->to_string()}, {"err", out.result.detail}});
    co_return text(bhttp::status::service_unavailable, "the exporter cannot probe now: " + out.result.detail + "\n");
  }
  remember(address->to_string() + " (/probe)", module_name, out,
           std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  const double qos = std::chrono::duration<double>(runtime.settings->qos_timeout).count();
  std::string metrics_text = metrics::render_probe(out.result, out.verdict, qos, runtime.settings->step_names());
  log::debug("probe via /probe", {{"target", address->to_string()}, {"module", module_name},
                                  {"event", event_name(out.verdict.event)},
                                  {"reason", prober::failure_name(out.verdict.reason)}});
  if (!debug) co_return http::make_response(bhttp::status::ok, std::move(metrics_text), kExpositionType);

  std::string body = "Logs for the probe:\n" + transcript_text(out.result);
  body += "\nResult: event " + std::string(event_name(out.verdict.event)) + ", reason " +
          std::string(prober::failure_name(out.verdict.reason));
  if (!out.result.detail.empty()) body += " (" + out.result.detail + ")";
  body += "\n\nMetrics that would have been returned:\n" + metrics_text;
  co_return text(bhttp::status::ok, std::move(body));
}

asio::awaitable<std::string> App::probe_refusal(const config::HostPort& target, config::IpProtocol family,
                                               Clock::time_point deadline) {
  const auto& allow = options_.probe_allow;
  std::string refusal;
  if (allow.empty() || allow.allows_name(target)) co_return refusal;
  refusal = "target " + target.to_string() + " is not allowed by --probe.allow";
  if (!allow.has_cidrs()) co_return refusal;
  // Resolve first (an address literal stays as it is); every address must be allowed.
  std::string error;
  const auto lookup_deadline = std::min(deadline, Clock::now() + std::chrono::seconds(5));
  const auto endpoints = co_await prober::resolve(target, family, lookup_deadline, error);
  if (endpoints.empty()) {
    refusal += " (" + error + ")";
    co_return refusal;
  }
  for (const auto& endpoint : endpoints) {
    if (!allow.allows_address(endpoint.address().to_string(), target.port)) co_return refusal;
  }
  refusal.clear();
  co_return refusal;
}

http::Response App::serve_reload(const http::Request& request) {
  if (request.method() != bhttp::verb::post && request.method() != bhttp::verb::put) {
    return text(bhttp::status::method_not_allowed, "this endpoint requires a POST request\n");
  }
  const auto errors = reload();
  if (errors.empty()) return text(bhttp::status::ok, "configuration reloaded\n");
  std::string body = "failed to reload the configuration; the previous one stays in force:\n";
  for (const auto& e : errors) body += e.to_string() + "\n";
  return text(bhttp::status::internal_server_error, std::move(body));
}

http::Response App::serve_landing_page() const {
  std::string h;
  h.reserve(4096 + targets_.size() * 256);
  h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SMTP Exporter</title>"
       "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
       "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.ok{color:#070}.warn{color:#a60}"
       ".fail{color:#b00}</style></head><body><h1>SMTP Exporter</h1>";
  h += "<p>Version " + std::string(kVersion) + " (revision " + std::string(kRevision) + "). Mode: ";
  h += config_ && config_->global.mode == config::Mode::scrape ? "scrape" : "interval";
  h += ". Config: " + html_escape(options_.config_file) + ".</p><ul>";
  h += "<li><a href=\"" + html_escape(options_.telemetry_path) + "\">Metrics</a></li>";
  h += "<li><a href=\"/probe?target=localhost:25&amp;module=smtp_ehlo&amp;debug=true\">"
       "Probe localhost:25 with debug output</a></li>";
  h += "<li><a href=\"/-/healthy\">Health</a></li></ul>";

  h += "<h2>Targets</h2><table><tr><th>Target</th><th>Address</th><th>Module</th><th>Last result</th>"
       "<th>Reason</th><th>EHLO latency</th><th>Last probe</th></tr>";
  for (const auto& entry : targets_) {
    h += "<tr><td>" + html_escape(entry->target.name) + "</td><td>" +
         html_escape(entry->target.address.to_string()) + "</td><td>" + html_escape(entry->target.module) + "</td>";
    if (entry->last_verdict) {
      const auto e = entry->last_verdict->event;
      const char* cls = e == classify::Event::success ? "ok" : e == classify::Event::qos_warning ? "warn" : "fail";
      h += "<td class=\"" + std::string(cls) + "\">" + std::string(event_name(e)) + "</td><td>" +
           std::string(prober::failure_name(entry->last_verdict->reason)) + "</td>";
    } else {
      h += "<td>not probed yet</td><td>-</td>";
    }
    h += "<td>" + format_seconds(entry->last_latency) + "</td><td>" +
         format_time(entry->state.last_run_timestamp()) + "</td></tr>";
  }
  h += "</table><h2>Recent probes</h2><table><tr><th>Time</th><th>Target</th><th>Module</th>"
       "<th>Event</th><th>Reason</th><th>EHLO latency</th><th>Duration</th></tr>";
  for (const auto& p : recent_) {
    h += "<tr><td>" + format_time(p.wall_time) + "</td><td>" + html_escape(p.target) + "</td><td>" +
         html_escape(p.module) + "</td><td>" + std::string(event_name(p.verdict.event)) + "</td><td>" +
         std::string(prober::failure_name(p.verdict.reason)) + "</td><td>" + format_seconds(p.latency) +
         "</td><td>" + format_seconds(p.duration) + "</td></tr>";
  }
  h += "</table></body></html>\n";
  return http::make_response(bhttp::status::ok, std::move(h), "text/html; charset=utf-8");
}

}  // namespace smtp_exporter::app
