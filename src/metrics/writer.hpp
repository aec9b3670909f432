// Renders every target's state as Prometheus text exposition format 0.0.4, one pass,
// each family's HELP and TYPE once, every series of the fixed label sets present.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/target_state.hpp"

namespace smtp_exporter::metrics {

// Appends the smtp_* families for these targets to `out`.
void write_targets(std::string& out, const std::vector<const TargetState*>& targets);

// Exposition helpers, shared with the other writers.
void append_escaped_label_value(std::string& out, std::string_view value);
void append_double(std::string& out, double value);  // Go-style: "+Inf", "NaN", shortest round-trip

}  // namespace smtp_exporter::metrics
