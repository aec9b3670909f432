// /probe's answer: gauges with blackbox-style names, written straight to the text format.
#pragma once

#include <string>
#include <vector>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::domain {
struct DomainResult;
}

namespace smtp_exporter::metrics {

struct DomainChecks;

// One probe's families as text: blackbox_exporter's probe_success, probe_duration_seconds,
// probe_ip_protocol and probe_ssl_*, and the probe_smtp_* gauges (families.hpp describes them all).
// step_names: the module's configured steps, in order (unique); a step that did not run shows 0.
std::string render_probe(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double qos_timeout_seconds, const std::vector<std::string>& step_names);

// A domain probe's families as text (/probe?domain=): the domain's own as probe_domain_*,
// probe_mta_sts_*, probe_dane_*, probe_fcrdns_match and probe_banner_name_matches_ptr, and
// probe_domain_duration_seconds; then every family of render_probe() once, with a series per
// (MX, address) labelled mx, address and family (probe_duration_seconds is that session's).
// Each session is classified here by ELM's rule, as render_probe's caller does for an address.
std::string render_domain_probe(const domain::DomainResult& result, double qos_timeout_seconds,
                                const std::vector<std::string>& step_names, const DomainChecks& checks);

}  // namespace smtp_exporter::metrics
