#include "app/landing_page.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "app/status_view.hpp"
#include "status_templates.hpp"  // generated from src/app/templates/*.mustache
#include "version.hpp"

namespace smtp_exporter::app {

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

std::string count(double n) { return std::to_string(static_cast<long long>(n)); }

// Where a target's row goes: failing first, then warnings, not probed yet, OK.
int rank_of(const TargetEntry& entry) {
  if (entry.domain) return domain_state_view(entry.domain->has_run(), entry.domain->summary().success).rank;
  return state_view(entry.last_verdict).rank;
}

mustache::data sparkline_view(const Sparkline& line) {
  mustache::data view;
  view.set("points", line.points);
  view.set("count", std::to_string(line.count));
  view.set("qos_y", line.qos_y);
  view.set("qos2_y", line.qos2_y);
  view.set("width", std::to_string(Sparkline::kWidth));
  view.set("height", std::to_string(Sparkline::kHeight));
  mustache::data dots{mustache::data::type::list};
  for (const auto& dot : line.failed) {
    mustache::data d;
    d.set("x", dot.x);
    d.set("y", dot.y);
    dots.push_back(d);
  }
  view.set("failed", dots);
  return view;
}

// The cells every row has, from its state and counts.
mustache::data row_view(const config::Target& target, std::string where, const StateView& state, double last_run,
                        const std::array<std::uint64_t, classify::kEventCount>& events, std::string reason,
                        std::optional<std::string> tls_days) {
  mustache::data view;
  view.set("name", target.name);
  view.set("href", "/target?name=" + url_encode(target.name));
  view.set("where", std::move(where));
  view.set("module", target.module);
  view.set("state_css", std::string(state.css));
  view.set("state", std::string(state.words));
  view.set("last_probe", format_time(last_run));
  view.set("n5510", std::to_string(events[0]));
  view.set("n5511", std::to_string(events[1]));
  view.set("n5509", std::to_string(events[2]));
  view.set("reason", std::move(reason));
  if (tls_days) view.set("tls_days", *tls_days);
  return view;
}

mustache::data address_row(const TargetEntry& entry, double now) {
  const metrics::TargetState& state = entry.state;
  const StateView view = state_view(entry.last_verdict);
  std::string reason = "-";
  if (entry.last_verdict && entry.last_verdict->event == classify::Event::failed) {
    reason = std::string(prober::failure_name(entry.last_verdict->reason));
    if (!entry.history.last_detail().empty()) reason += ": " + entry.history.last_detail();
  } else if (entry.last_verdict && entry.last_verdict->event == classify::Event::qos_warning) {
    reason = "EHLO answered in " + format_seconds(entry.last_latency) + ", over the QoS time of " +
             format_seconds(state.qos_timeout_seconds());
  }
  std::optional<std::string> tls_days;
  if (state.tls()) tls_days = days_left(state.tls()->cert_not_after, now);
  mustache::data row = row_view(entry.target, entry.target.address.to_string(), view, state.last_run_timestamp(),
                                state.events(), std::move(reason), tls_days);
  if (!entry.history.samples().empty()) {
    row.set("sparkline", sparkline_view(sparkline(entry.history.samples(), state.qos_timeout_seconds())));
  }
  return row;
}

// A domain target's row: up when some MX address passed, with how many of them did; its counts
// and certificates are those of its addresses together.
mustache::data domain_row(const TargetEntry& entry, double now) {
  const metrics::DomainState& domain = *entry.domain;
  const metrics::DomainSummary& s = domain.summary();
  const StateView view = domain_state_view(domain.has_run(), s.success);
  std::string reason = "-";
  if (domain.has_run()) {
    reason = std::to_string(s.addresses_up[0] + s.addresses_up[1]) + " of " +
             std::to_string(s.addresses[0] + s.addresses[1]) + " MX addresses up";
    if (s.null_mx) reason = "null MX (accepts no mail)";
    if (s.dns_failure != domain::DnsFailure::none) {
      reason = "DNS: " + std::string(domain::dns_failure_name(s.dns_failure));
    }
  }
  std::array<std::uint64_t, classify::kEventCount> events{};
  double earliest_not_after = std::numeric_limits<double>::infinity();
  for (const auto& address : domain.address_states()) {
    for (std::size_t i = 0; i < events.size(); ++i) events[i] += address->events()[i];
    if (address->tls()) earliest_not_after = std::min(earliest_not_after, address->tls()->cert_not_after);
  }
  std::optional<std::string> tls_days;
  if (earliest_not_after != std::numeric_limits<double>::infinity()) tls_days = days_left(earliest_not_after, now);
  const config::DomainTarget& target = *entry.target.domain;
  return row_view(entry.target, "domain " + target.name + " port " + std::to_string(target.port), view,
                  domain.last_run_timestamp(), events, std::move(reason), tls_days);
}

mustache::data loop_view(const LoopEntry& entry) {
  const config::Loop& loop = entry.loop;
  const metrics::LoopValues& v = entry.state->values();
  double found = 0;
  for (const auto& [folder, n] : v.received) found += n;
  mustache::data view;
  view.set("name", loop.name);
  view.set("sends_to", loop.send_domain.empty()
                           ? loop.send_address.to_string()
                           : "MX of " + loop.send_domain + " port " + std::to_string(loop.send_port));
  view.set("looks_in", loop.imap ? "IMAP " + loop.imap->address.to_string() : "Maildir " + loop.maildir);
  view.set("state_css", std::string(v.receive_up ? "ok" : "fail"));
  view.set("state", std::string(v.receive_up ? "reachable" : "unreachable"));
  view.set("sent", count(v.sent));
  view.set("found", count(found));
  view.set("lost", count(v.lost));
  view.set("lost_css", std::string(v.lost > 0 ? "fail" : ""));
  view.set("late", count(v.late));
  view.set("out", count(v.pending));
  view.set("roundtrip", v.roundtrip_count > 0 ? format_seconds(v.last_roundtrip) : std::string("-"));
  view.set("last_found", format_time(v.last_success));
  return view;
}

// Values are escaped, so this cannot come from one.
constexpr std::string_view kRowsMarker = "<!-- target rows -->";

}  // namespace

LandingPageStream::LandingPageStream(const LandingPage& page) : now_(page.now > 0 ? page.now : wall_now()) {
  mustache::data view;
  view.set("version", std::string(kVersion));
  view.set("revision", std::string(kRevision));
  view.set("mode", std::string(page.scrape_mode ? "scrape" : "interval"));
  view.set("config_file", std::string(page.config_file));
  view.set("telemetry_path", std::string(page.telemetry_path));

  rows_.reserve(page.targets.size());
  for (const auto& entry : page.targets) rows_.push_back({rank_of(*entry), entry});
  std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.entry->target.name < b.entry->target.name;
  });
  // The rows are rendered one by one as they are sent and go where the marker is: the whole
  // table as one Mustache tree took about 3.5 KB a row, copied twice (a peak of 118 MB more at
  // 10,000 targets).
  view.set("target_rows", std::string(kRowsMarker));
  view.set("has_targets", !rows_.empty());

  if (page.loops != nullptr && !page.loops->empty()) {
    std::vector<const LoopEntry*> loops;
    for (const LoopEntry& entry : *page.loops) loops.push_back(&entry);
    std::stable_sort(loops.begin(), loops.end(), [](const LoopEntry* a, const LoopEntry* b) {
      return !a->state->values().receive_up && b->state->values().receive_up;  // unreachable first
    });
    mustache::data list{mustache::data::type::list};
    for (const LoopEntry* entry : loops) list.push_back(loop_view(*entry));
    view.set("loops", list);
    view.set("has_loops", true);
  }

  mustache::data recent{mustache::data::type::list};
  for (const RecentProbe& p : page.recent) {
    mustache::data probe;
    probe.set("time", format_time(p.wall_time));
    probe.set("target", p.target);
    probe.set("module", p.module);
    probe.set("state_css", std::string(state_view(p.verdict).css));
    probe.set("event", std::string(classify::event_name(p.verdict.event)));
    probe.set("reason", std::string(prober::failure_name(p.verdict.reason)));
    probe.set("latency", format_seconds(p.latency));
    probe.set("duration", format_seconds(p.duration));
    recent.push_back(probe);
  }
  view.set("recent", recent);
  static PageTemplate status_page{templates::status_page};
  head_ = status_page.render(std::move(view));
  const std::size_t at = head_.find(kRowsMarker);
  if (at == std::string::npos) return;  // no targets: no table
  tail_ = head_.substr(at + kRowsMarker.size());
  head_.resize(at);
}

bool LandingPageStream::next(std::string& out, std::size_t piece_bytes) {
  static PageTemplate target_row{templates::target_row};
  out = std::move(head_);  // the first piece begins with the head
  head_.clear();
  for (std::size_t n = 0; next_row_ < rows_.size() && (n == 0 || out.size() < piece_bytes); ++n, ++next_row_) {
    const TargetEntry& entry = *rows_[next_row_].entry;
    out += target_row.render(entry.domain ? domain_row(entry, now_) : address_row(entry, now_));
  }
  if (next_row_ < rows_.size()) return true;
  out += tail_;
  return false;
}

std::string render_landing_page(const LandingPage& page) {
  LandingPageStream stream(page);
  std::string html, piece;
  bool more = true;
  while (more) {
    more = stream.next(piece, std::numeric_limits<std::size_t>::max());
    html += piece;
  }
  return html;
}

}  // namespace smtp_exporter::app
