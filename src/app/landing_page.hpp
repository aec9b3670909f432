// The HTML landing page at /: version, links, every target's last result, the mail loops and the
// recent probes. Every value from the config or a request is HTML-escaped; nothing of a module's
// settings (its auth step's password included) or of a loop's login is shown.
#pragma once

#include <deque>
#include <string>
#include <string_view>

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
};

std::string render_landing_page(const LandingPage& page);

// `s` with < > & " ' as HTML character references.
std::string html_escape(std::string_view s);

}  // namespace smtp_exporter::app
