// /probe's answer: gauges with blackbox-style names, written straight to the text format.
#pragma once

#include <string>
#include <vector>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::metrics {

// probe_success, probe_duration_seconds, probe_smtp_ehlo_duration_seconds,
// probe_smtp_phase_duration_seconds{phase}, probe_smtp_reply_code{stage},
// probe_smtp_step_success{step}, probe_smtp_step_duration_seconds{step},
// probe_smtp_step_reply_code{step}, probe_smtp_qos_event, probe_smtp_failure{reason},
// probe_smtp_helo_fallback, probe_smtp_ehlo_extension_info{extension},
// probe_smtp_auth_mechanism_info{mechanism}, probe_smtp_auth_offered_before_tls,
// probe_smtp_qos_timeout_seconds, probe_ip_protocol and the TLS facts, serialized as text.
// step_names: the module's configured steps, in order (unique); a step that did not run shows 0.
std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds, const std::vector<std::string>& step_names);

}  // namespace smtp_exporter::metrics
