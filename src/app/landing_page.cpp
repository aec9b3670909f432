#include "app/landing_page.hpp"

#include <cstdio>
#include <ctime>
#include <optional>

#include "version.hpp"

namespace smtp_exporter::app {

namespace {

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

}  // namespace

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

namespace {

// A domain target's row: up when some MX address passed, with how many of them did.
std::string domain_row(const config::Target& target, const metrics::DomainState& domain) {
  std::string h = "<tr><td>" + html_escape(target.name) + "</td><td>domain " + html_escape(target.domain->name) +
                  " port " + std::to_string(target.domain->port) + "</td><td>" + html_escape(target.module) + "</td>";
  if (!domain.has_run()) return h + "<td>not probed yet</td><td>-</td><td>-</td><td>never</td></tr>";
  const metrics::DomainSummary& s = domain.summary();
  const std::size_t up = s.addresses_up[0] + s.addresses_up[1];
  const std::size_t probed = s.addresses[0] + s.addresses[1];
  std::string why = std::to_string(up) + " of " + std::to_string(probed) + " MX addresses up";
  if (s.null_mx) why = "null MX (accepts no mail)";
  if (s.dns_failure != domain::DnsFailure::none) {
    why = "DNS: " + std::string(domain::dns_failure_name(s.dns_failure));
  }
  h += std::string("<td class=\"") + (s.success ? "ok\">up" : "fail\">down") + "</td><td>" + why +
       "</td><td>-</td><td>" + format_time(domain.last_run_timestamp()) + "</td></tr>";
  return h;
}

// The mail loops: where each sends and looks, and what it counted.
std::string loops_table(const Loops& loops) {
  std::string h = "<h2>Mail loops</h2><table><tr><th>Loop</th><th>Sends to</th><th>Looks in</th><th>Mailbox</th>"
                  "<th>Sent</th><th>Found</th><th>Lost</th><th>Late</th><th>Out</th><th>Last round trip</th>"
                  "<th>Last found</th></tr>";
  for (const LoopEntry& entry : loops) {
    const config::Loop& loop = entry.loop;
    const metrics::LoopValues& v = entry.state->values();
    const std::string sends_to = loop.send_domain.empty()
                                     ? loop.send_address.to_string()
                                     : "MX of " + loop.send_domain + " port " + std::to_string(loop.send_port);
    const std::string looks_in = loop.imap ? "IMAP " + loop.imap->address.to_string() : "Maildir " + loop.maildir;
    double found = 0;
    for (const auto& [folder, count] : v.received) found += count;
    const auto count = [](double n) { return std::to_string(static_cast<long long>(n)); };
    h += "<tr><td>" + html_escape(loop.name) + "</td><td>" + html_escape(sends_to) + "</td><td>" +
         html_escape(looks_in) + "</td><td class=\"" + (v.receive_up ? "ok\">reachable" : "fail\">unreachable") +
         "</td><td>" + count(v.sent) + "</td><td>" + count(found) + "</td><td" +
         (v.lost > 0 ? " class=\"fail\">" : ">") + count(v.lost) + "</td><td>" + count(v.late) + "</td><td>" +
         count(v.pending) + "</td><td>" +
         (v.roundtrip_count > 0 ? format_seconds(v.last_roundtrip) : std::string("-")) + "</td><td>" +
         format_time(v.last_success) + "</td></tr>";
  }
  return h + "</table>";
}

}  // namespace

std::string render_landing_page(const LandingPage& page) {
  std::string h;
  h.reserve(4096 + page.targets.size() * 256);
  h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SMTP Exporter</title>"
       "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
       "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.ok{color:#070}.warn{color:#a60}"
       ".fail{color:#b00}</style></head><body><h1>SMTP Exporter</h1>";
  h += "<p>Version " + std::string(kVersion) + " (revision " + std::string(kRevision) + "). Mode: ";
  h += page.scrape_mode ? "scrape" : "interval";
  h += ". Config: " + html_escape(page.config_file) + ".</p><ul>";
  h += "<li><a href=\"" + html_escape(page.telemetry_path) + "\">Metrics</a></li>";
  h += "<li><a href=\"/probe?target=localhost:25&amp;module=smtp_ehlo&amp;debug=true\">"
       "Probe localhost:25 with debug output</a></li>";
  h += "<li><a href=\"/-/healthy\">Health</a></li></ul>";

  h += "<h2>Targets</h2><table><tr><th>Target</th><th>Address</th><th>Module</th><th>Last result</th>"
       "<th>Reason</th><th>EHLO latency</th><th>Last probe</th></tr>";
  for (const auto& entry : page.targets) {
    if (entry->domain) {
      h += domain_row(entry->target, *entry->domain);
      continue;
    }
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
  h += "</table>";
  if (page.loops != nullptr && !page.loops->empty()) h += loops_table(*page.loops);
  h += "<h2>Recent probes</h2><table><tr><th>Time</th><th>Target</th><th>Module</th>"
       "<th>Event</th><th>Reason</th><th>EHLO latency</th><th>Duration</th></tr>";
  for (const auto& p : page.recent) {
    h += "<tr><td>" + format_time(p.wall_time) + "</td><td>" + html_escape(p.target) + "</td><td>" +
         html_escape(p.module) + "</td><td>" + std::string(event_name(p.verdict.event)) + "</td><td>" +
         std::string(prober::failure_name(p.verdict.reason)) + "</td><td>" + format_seconds(p.latency) +
         "</td><td>" + format_seconds(p.duration) + "</td></tr>";
  }
  h += "</table></body></html>\n";
  return h;
}

}  // namespace smtp_exporter::app
