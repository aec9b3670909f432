// /probe's answer: gauges with blackbox-style names, written straight to the text format.
#pragma once

#include <string>
#include <vector>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::metrics {

// One probe's families as text: blackbox_exporter's probe_success, probe_duration_seconds,
// probe_ip_protocol and probe_ssl_*, and the probe_smtp_* gauges (families.hpp describes them all).
// step_names: the module's configured steps, in order (unique); a step that did not run shows 0.
std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds, const std::vector<std::string>& step_names);

}  // namespace smtp_exporter::metrics
