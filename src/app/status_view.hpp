// What the status pages (/ and /target) share: a target's state in colour and in words, the QoS
// sparkline, how times and durations read, and rendering the Mustache templates of
// src/app/templates/ (embedded in the binary at build time). Values go into templates as plain
// strings: `{{x}}` HTML-escapes them (& < > " ').
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <kainjow/mustache.hpp>

#include "app/status_history.hpp"
#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::app {

namespace mustache = kainjow::mustache;

// A target's state: the CSS class that colours it, the words that say it (so that it reads in
// grey-scale too), and its place in the failing-first order.
struct StateView {
  std::string_view css;    // "fail", "warn", "none", "ok"
  std::string_view words;  // "failing (5509)", "QoS warning (5511)", "not probed yet", "OK (5510)"
  int rank = 0;            // 0 failing first, then 1 warning, 2 not probed, 3 OK
};
StateView state_view(classify::Event event);
StateView state_view(const std::optional<classify::Verdict>& last);  // none: not probed yet
// A domain target's: up or down, or not probed yet.
StateView domain_state_view(bool has_run, bool success);

// The sparkline of a target's last QoS latencies: an SVG of kWidth x kHeight with one point per
// probe, the newest on the right (a probe without a latency at the top), and the QoS and 2 x QoS
// lines. The y axis runs from 0 to 3 x QoS; slower latencies are drawn at the top.
struct Sparkline {
  static constexpr int kWidth = 200;
  static constexpr int kHeight = 40;
  static constexpr int kStep = 4;  // x between two probes: kWidth / StatusHistory::kLatencies
  std::string points;              // the polyline's "x,y x,y ..."
  std::size_t count = 0;
  std::string qos_y;               // the QoS line
  std::string qos2_y;              // the 2 x QoS line
  struct Dot {
    std::string x, y;
  };
  std::vector<Dot> failed;  // a dot on each 5509
};
Sparkline sparkline(const std::vector<ProbeSample>& samples, double qos_seconds);

std::string format_time(double unix_seconds);  // "2023-11-14 22:13:20Z"; "never" for 0
std::string format_seconds(std::optional<double> seconds);  // "0.125 s"; "-" for none
// How long a certificate has left from `now`, in whole days: "10 days left", "1 day left",
// "0 days left"; once past `not_after`, "expired today" or "expired 3 days ago".
std::string days_left(double not_after, double now);
// `s` percent-encoded for a URL's query (RFC 3986 unreserved characters as they are).
std::string url_encode(std::string_view s);

// One of the embedded templates, parsed once (kainjow::mustache parses when it is constructed)
// and rendered for every request. render() is not const (a failed render records its error in
// the parsed template) nor safe from two threads at once: every page is rendered on the one
// thread that runs the io_context (main.cpp).
class PageTemplate {
 public:
  explicit PageTemplate(std::string_view text);  // throws std::logic_error if it does not parse
  // The page for `view`; {{{style}}} stands for the pages' CSS.
  std::string render(mustache::data view);

 private:
  mustache::mustache parsed_;
  bool has_style_;  // a part of a page (a row of a table) has none
};

}  // namespace smtp_exporter::app
