// ELM's QoS rule: the final 250 to EHLO within the QoS time is 5510, within twice the QoS time
// 5511, later or never (or any failed check) 5509.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>
#include <vector>

#include "prober/probe_result.hpp"

namespace smtp_exporter::classify {

enum class Event { success = 5510, qos_warning = 5511, failed = 5509 };
inline constexpr std::size_t kEventCount = 3;
// Order used for arrays of counters.
inline constexpr std::size_t event_index(Event e) {
  return e == Event::success ? 0 : e == Event::qos_warning ? 1 : 2;
}
inline constexpr std::array<std::string_view, kEventCount> kEventNames = {"5510", "5511", "5509"};
inline constexpr std::array<Event, kEventCount> kEvents = {Event::success, Event::qos_warning, Event::failed};
inline constexpr std::string_view event_name(Event e) { return kEventNames[event_index(e)]; }

struct Verdict {
  Event event = Event::failed;
  bool probe_success = false;  // every check passed, 250 within 2 x QoS
  bool ehlo_success = false;   // a final 250 to EHLO/HELO came within 2 x QoS
  prober::Failure reason = prober::Failure::none;  // set iff event == failed
};

Verdict classify(const prober::ProbeResult& result, std::chrono::duration<double> qos_timeout);

// How long the dialog up to the final 250 of EHLO may run, from the start of the TCP connect:
// past 2 x QoS a 250 could only be a failure, so waiting longer tells nothing. This is what
// lets a probe tell a QoS warning (5511) from a failure (5509).
template <class Rep, class Period>
constexpr auto dialog_cutoff(std::chrono::duration<Rep, Period> qos_timeout) {
  return 2 * qos_timeout;
}

// Histogram bounds for the QoS latency: `configured` with qos and 2 x qos added (sorted,
// unique), so that the histogram tells a slow probe from a failed one exactly.
std::vector<double> latency_bounds(std::vector<double> configured, std::chrono::duration<double> qos_timeout);

}  // namespace smtp_exporter::classify
