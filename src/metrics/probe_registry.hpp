// /probe's answer: gauges with blackbox-style names, written straight to the text format.
#pragma once

#include <string>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::metrics {

// probe_success, probe_duration_seconds, probe_smtp_ehlo_duration_seconds,
// probe_smtp_phase_duration_seconds{phase}, probe_smtp_reply_code{stage},
// probe_smtp_qos_event, probe_smtp_failure{reason}, probe_smtp_helo_fallback,
// probe_smtp_ehlo_extension_info{extension}, probe_smtp_qos_timeout_seconds, serialized as text.
std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds);

}  // namespace smtp_exporter::metrics
