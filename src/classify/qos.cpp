#include "classify/qos.hpp"

#include <algorithm>

namespace smtp_exporter::classify {

Verdict classify(const prober::ProbeResult& result, std::chrono::duration<double> qos_timeout) {
  Verdict v;
  const double qos = qos_timeout.count();
  const bool got_250 = result.ehlo_latency_seconds.has_value();
  const double latency = got_250 ? *result.ehlo_latency_seconds : 0;
  v.ehlo_success = got_250 && latency <= 2 * qos;

  if (result.failure != prober::Failure::none) {  // a check failed or the dialog broke
    v.event = Event::failed;
    v.reason = result.failure;
    return v;
  }
  if (!got_250) {  // cannot happen for a prober that reports its failures; be safe
    v.event = Event::failed;
    v.reason = prober::Failure::protocol_error;
    return v;
  }
  if (latency <= qos) {
    v.event = Event::success;
  } else if (latency <= 2 * qos) {
    v.event = Event::qos_warning;
  } else {
    v.event = Event::failed;
    v.reason = prober::Failure::qos_exceeded;
    return v;
  }
  v.probe_success = true;
  return v;
}

std::vector<double> latency_bounds(std::vector<double> configured, std::chrono::duration<double> qos_timeout) {
  configured.push_back(qos_timeout.count());
  configured.push_back(dialog_cutoff(qos_timeout).count());
  std::sort(configured.begin(), configured.end());
  configured.erase(std::unique(configured.begin(), configured.end()), configured.end());
  return configured;
}

}  // namespace smtp_exporter::classify
