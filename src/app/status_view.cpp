#include "app/status_view.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "status_templates.hpp"  // generated from src/app/templates/*.mustache

namespace smtp_exporter::app {

namespace {

// A coordinate with one decimal, as SVG reads it.
std::string coordinate(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

StateView state_view(classify::Event event) {
  switch (event) {
    case classify::Event::success: return {"ok", "OK (5510)", 3};
    case classify::Event::qos_warning: return {"warn", "QoS warning (5511)", 1};
    case classify::Event::failed: break;
  }
  return {"fail", "failing (5509)", 0};
}

StateView state_view(const std::optional<classify::Verdict>& last) {
  if (!last) return {"none", "not probed yet", 2};
  return state_view(last->event);
}

StateView domain_state_view(bool has_run, bool success) {
  if (!has_run) return {"none", "not probed yet", 2};
  return success ? StateView{"ok", "up", 3} : StateView{"fail", "down", 0};
}

Sparkline sparkline(const std::vector<ProbeSample>& samples, double qos_seconds) {
  Sparkline line;
  const double top = 3 * qos_seconds;
  const auto y_of = [&](double seconds) {
    if (!(top > 0)) return 0.0;
    return Sparkline::kHeight * (1 - std::min(seconds, top) / top);
  };
  line.qos_y = coordinate(y_of(qos_seconds));
  line.qos2_y = coordinate(y_of(2 * qos_seconds));
  line.count = samples.size();
  // The newest probe at the right edge; fewer than kLatencies start further right.
  std::size_t slot = StatusHistory::kLatencies - std::min(samples.size(), StatusHistory::kLatencies);
  for (const ProbeSample& sample : samples) {
    const std::string x = std::to_string(static_cast<int>(slot++) * Sparkline::kStep);
    const std::string y = coordinate(sample.latency() ? y_of(*sample.latency()) : 0.0);
    if (!line.points.empty()) line.points += ' ';
    line.points += x + "," + y;
    if (sample.event() == classify::Event::failed) line.failed.push_back({x, y});
  }
  return line;
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

std::string format_seconds(std::optional<double> seconds) {
  if (!seconds) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", *seconds);
  return buf;
}

std::string days_left(double not_after, double now) {
  const auto days = [](double seconds) {
    const auto n = static_cast<long long>(std::floor(seconds / 86400));
    return std::to_string(n) + (n == 1 ? " day" : " days");
  };
  if (not_after >= now) return days(not_after - now) + " left";
  if (now - not_after < 86400) return "expired today";
  return "expired " + days(now - not_after) + " ago";
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

PageTemplate::PageTemplate(std::string_view text)
    : parsed_(std::string(text)), has_style_(text.find("{{{style}}}") != std::string_view::npos) {
  if (!parsed_.is_valid()) throw std::logic_error("status page template: " + parsed_.error_message());
}

std::string PageTemplate::render(mustache::data view) {
  if (has_style_) view.set("style", std::string(templates::style));
  std::string html = parsed_.render(view);
  if (!parsed_.is_valid()) throw std::logic_error("status page template: " + parsed_.error_message());
  return html;
}

}  // namespace smtp_exporter::app
