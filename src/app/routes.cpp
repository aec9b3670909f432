// The HTTP routes: /metrics, /probe (its parameters, --probe.allow, the scrape's deadline),
// / and /target (the status pages), /-/healthy, /-/ready, /-/reload, and the request caps
// (--web.max-requests for all but /probe and the health checks, --web.max-probe-requests for
// /probe).
#include <charconv>

#include "app/app.hpp"
#include "app/landing_page.hpp"
#include "app/target_page.hpp"
#include "http/gzip.hpp"
#include "http/query.hpp"
#include "log/log.hpp"
#include "metrics/probe_text.hpp"
#include "metrics/writer.hpp"
#include "prober/prober.hpp"

namespace smtp_exporter::app {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view kExpositionType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kDefaultModule = "smtp_ehlo";
constexpr std::string_view kHtmlType = "text/html; charset=utf-8";

http::Response text(bhttp::status status, std::string body) {
  return http::make_response(status, std::move(body));
}

}  // namespace

asio::awaitable<http::Reply> App::handle(const http::Request& request) {
  std::string why;
  const auto target = http::parse_target(request.target(), why);
  if (!target) co_return text(bhttp::status::bad_request, why + "\n");
  const std::string& path = target->path;
  const bool read_only = request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;

  if (read_only && path != "/-/reload" && path != options_.telemetry_path) {
    // Never refused: an exporter busy with requests is still healthy and ready.
    if (path == "/-/healthy") co_return text(bhttp::status::ok, "Healthy\n");
    if (path == "/-/ready") co_return text(bhttp::status::ok, "Ready\n");
    if (path == "/probe") {  // a cap of its own, so a flood of probes cannot crowd out /metrics
      if (options_.probe_disabled) co_return text(bhttp::status::not_found, "/probe is disabled (--probe.disable)\n");
      auto hold = probe_requests_.try_acquire();
      if (!hold) {
        co_return text(bhttp::status::service_unavailable,
                       "too many concurrent /probe requests (--web.max-probe-requests=" +
                           std::to_string(options_.max_probe_requests) + "); try again later\n");
      }
      co_return co_await serve_probe(request, *target, std::move(*hold));
    }
  }
  auto hold = requests_.try_acquire();
  if (!hold) {
    co_return text(bhttp::status::service_unavailable,
                   "too many concurrent requests (--web.max-requests=" + std::to_string(options_.max_requests) + ")\n");
  }
  if (path == "/-/reload") co_return serve_reload(request);
  if (!read_only) co_return text(bhttp::status::method_not_allowed, "only GET and HEAD are allowed here\n");
  if (path == options_.telemetry_path) {
    http::Reply reply = co_await serve_metrics(request);
    co_return reply;
  }
  if (path == "/") co_return serve_landing_page();
  if (path == "/target") co_return serve_target_page(*target);
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
    co_await runner_.probe_all(targets_, *deadline);
  }
  // Streamed in pieces of about kMetricsPiece bytes (gzipped when asked), so the body of
  // thousands of targets is never held whole. The pieces hold the targets alive: a reload
  // meanwhile does not cut the answer short.
  constexpr std::size_t kMetricsPiece = 512 * 1024;
  struct Body {
    std::vector<std::shared_ptr<TargetEntry>> entries;
    std::optional<metrics::TargetsWriter> writer;
    std::vector<std::shared_ptr<metrics::LoopState>> loops;  // written with the exporter's own, last
    std::unique_ptr<http::GzipStream> gzip;  // null: plain text
    bool own_written = false;
    std::string plain;
  };
  auto body = std::make_shared<Body>();
  body->entries = targets_;
  std::vector<const metrics::TargetState*> states;
  std::vector<const metrics::DomainState*> domains;
  states.reserve(body->entries.size());
  for (const auto& entry : body->entries) {
    if (entry->domain) domains.push_back(&*entry->domain);
    else states.push_back(&entry->state);
  }
  body->writer.emplace(std::move(states), std::move(domains));
  for (const LoopEntry& entry : loops_) body->loops.push_back(entry.state);
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
      std::vector<const metrics::LoopState*> loops;
      for (const auto& loop : body->loops) loops.push_back(loop.get());
      metrics::write_loops(text, loops);
      text += own_metrics_.render();
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

asio::awaitable<http::Response> App::serve_probe(const http::Request& request, const http::Target& query,
                                                scheduler::ProbeSlots::Slot hold) {
  std::string why;
  const auto target_param = query.get("target");
  if (const auto domain_param = query.get("domain")) {
    if (target_param) co_return text(bhttp::status::bad_request, "target and domain are exclusive\n");
    co_return co_await serve_domain_probe(request, query, *domain_param);
  }
  if (!target_param || target_param->empty()) {
    co_return text(bhttp::status::bad_request, "target parameter is missing\n");
  }
  const auto address = config::parse_host_port(*target_param, &why);
  if (!address) co_return text(bhttp::status::bad_request, "invalid target: " + why + "\n");
  const std::string module_name = query.get("module").value_or(std::string(kDefaultModule));
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
  const auto debug_param = query.get("debug").value_or("false");
  if (debug_param != "true" && debug_param != "false") {
    co_return text(bhttp::status::bad_request, "debug must be true or false\n");
  }
  const bool debug = debug_param == "true";
  const auto deadline = deadline_or_error;

  Outcome out;
  const bool answered = co_await runner_.run_for_client(*address, runtime, *deadline, debug, out, std::move(hold));
  if (!answered) co_return text(bhttp::status::service_unavailable, "the client left\n");  // nobody reads it
  if (out.result.exporter_error) {
    own_metrics_.probe_error();
    log::error("cannot probe", {{"target", address->to_string()}, {"err", out.result.detail}});
    co_return text(bhttp::status::service_unavailable, "the exporter cannot probe now: " + out.result.detail + "\n");
  }
  runner_.remember(address->to_string() + " (/probe)", module_name, out, wall_now());
  const double qos = std::chrono::duration<double>(runtime.settings->qos_timeout).count();
  std::string metrics_text = metrics::render_probe(out.result, out.verdict, qos, runtime.settings->step_names());
  log::debug("probe via /probe", {{"target", address->to_string()}, {"module", module_name},
                                  {"event", classify::event_name(out.verdict.event)},
                                  {"reason", prober::failure_name(out.verdict.reason)}});
  if (!debug) co_return http::make_response(bhttp::status::ok, std::move(metrics_text), kExpositionType);

  std::string body = "Logs for the probe:\n" + transcript_text(out.result.transcript);
  body += "\nResult: event " + std::string(classify::event_name(out.verdict.event)) + ", reason " +
          std::string(prober::failure_name(out.verdict.reason));
  if (!out.result.detail.empty()) body += " (" + out.result.detail + ")";
  body += "\n\nMetrics that would have been returned:\n" + metrics_text;
  co_return text(bhttp::status::ok, std::move(body));
}

// /probe?domain=example.org[&port=N][&module=M]: every MX of the domain, answered as
// probe_domain_* families and per-address probe_* families with mx, address and family labels.
asio::awaitable<http::Response> App::serve_domain_probe(const http::Request& request, const http::Target& query,
                                                       const std::string& domain_param) {
  std::string why;
  const auto name = config::parse_domain_name(domain_param, &why);
  if (!name) co_return text(bhttp::status::bad_request, "invalid domain: " + why + "\n");
  config::DomainTarget target;
  target.name = *name;
  if (const auto port = query.get("port")) {
    const auto parsed = config::parse_host_port("x:" + *port, &why);  // the same strict port rule as target=
    if (!parsed) co_return text(bhttp::status::bad_request, "invalid port: " + why + "\n");
    target.port = parsed->port;
  }
  const std::string module_name = query.get("module").value_or(std::string(kDefaultModule));
  const auto module = modules_.find(module_name);
  if (module == modules_.end()) {
    co_return text(bhttp::status::bad_request, "unknown module \"" + module_name + "\"\n");
  }
  const ModuleRuntime runtime = module->second;
  const auto deadline = scrape_deadline(request);
  if (!deadline) co_return text(bhttp::status::bad_request, "malformed X-Prometheus-Scrape-Timeout-Seconds header\n");
  // --probe.allow: a glob that allows the domain's name allows its MX; otherwise every MX address
  // must be in an allowed CIDR, checked before any SMTP connection.
  std::function<bool(const std::string&)> allow;
  const auto& allow_list = options_.probe_allow;
  if (!allow_list.empty() && !allow_list.allows_name(config::HostPort{target.name, target.port, ""})) {
    const std::uint16_t port = target.port;
    allow = [&allow_list, port](const std::string& address) { return allow_list.allows_address(address, port); };
  }
  const domain::DomainResult result = co_await runner_.run_domain(target, runtime, *deadline, std::move(allow));
  if (!result.refused_address.empty()) {
    co_return text(bhttp::status::forbidden, "domain " + target.name + ": MX address " + result.refused_address +
                                                 " is not allowed by --probe.allow\n");
  }
  const double qos = std::chrono::duration<double>(runtime.settings->qos_timeout).count();
  const metrics::DomainChecks checks{.module_tls = runtime.settings->tls != config::TlsMode::none,
                                     .expect_null_mx = false,
                                     .dane = target.dane};
  co_return http::make_response(bhttp::status::ok,
                                metrics::render_domain_probe(result, qos, runtime.settings->step_names(), checks),
                                kExpositionType);
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

http::Reply App::serve_landing_page() const {
  const LandingPage page{options_.config_file, options_.telemetry_path,
                         config_ && config_->global.mode == config::Mode::scrape, targets_, runner_.recent(),
                         &loops_, wall_now()};
  // Streamed like /metrics: at 10,000 targets the page is 8 MB.
  constexpr std::size_t kPagePiece = 256 * 1024;
  auto stream = std::make_shared<LandingPageStream>(page);
  return http::Reply(http::make_response(bhttp::status::ok, "", kHtmlType),
                     [stream](std::string& out) { return stream->next(out, kPagePiece); });
}

http::Response App::serve_target_page(const http::Target& query) const {
  const auto name = query.get("name");
  if (!name) {
    return text(bhttp::status::bad_request, "the name parameter is missing: /target?name=<a target's name>\n");
  }
  const auto entry = find_target(targets_, *name);
  if (!entry) {
    return text(bhttp::status::not_found, "no target named \"" + *name + "\" in the config (see / for them all)\n");
  }
  const TargetPage page{*entry, runner_.transcript_share(), wall_now()};
  return http::make_response(bhttp::status::ok, render_target_page(page), kHtmlType);
}

}  // namespace smtp_exporter::app
