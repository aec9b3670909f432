// The status page at /: version and links, then one row per target (address and domain targets),
// failing first, with its state in colour and in words, its last probe, a sparkline of its last
// QoS latencies, its 5510/5511/5509 counts, why it fails and its certificate's days left; the
// mail loops; the recent probes. Rendered from templates/status_page.mustache, its targets a row
// at a time from templates/target_row.mustache: every value is HTML-escaped; nothing of a
// module's settings (an auth step's password) or of a loop's login is shown. A phone gets the
// rows as stacked cards (a CSS media query), so nothing scrolls sideways.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/loops.hpp"
#include "app/probe_runner.hpp"
#include "app/targets.hpp"

namespace smtp_exporter::app {

struct LandingPage {
  std::string_view config_file;
  std::string_view telemetry_path;
  bool scrape_mode = false;
  const Targets& targets;
  const std::deque<RecentProbe>& recent;
  const Loops* loops = nullptr;  // none: no Mail loops table
  double now = 0;                // Unix seconds, for certificates' days left; 0: the clock's
};

// The page in pieces, as / sends it: all but the targets' rows is rendered at once, the rows (the
// bulk of it, about 800 bytes each) a piece at a time as the client takes them, so that a page of
// 10,000 targets is never held whole. The rows' targets are held alive through a reload.
class LandingPageStream {
 public:
  explicit LandingPageStream(const LandingPage& page);
  // Puts the next piece (about `piece_bytes`, one row at least) in `out`; false once it put the
  // last.
  bool next(std::string& out, std::size_t piece_bytes);

 private:
  struct Row {
    int rank = 0;  // failing first
    std::shared_ptr<TargetEntry> entry;
  };
  std::vector<Row> rows_;  // in the page's order
  std::size_t next_row_ = 0;
  std::string head_;  // up to the rows; sent with the first piece
  std::string tail_;  // after them
  double now_ = 0;
};

std::string render_landing_page(const LandingPage& page);  // the whole page at once

// `s` with < > & " ' as HTML character references.
std::string html_escape(std::string_view s);

}  // namespace smtp_exporter::app
