// The exporter's own health metrics, kept in a prometheus-cpp registry (only on /metrics).
#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace smtp_exporter::metrics {

class ExporterMetrics {
 public:
  ExporterMetrics(const std::string& version, const std::string& revision);
  ExporterMetrics(const ExporterMetrics&) = delete;
  ExporterMetrics& operator=(const ExporterMetrics&) = delete;

  void config_reloaded(bool success, double wall_time_seconds);
  void set_targets(double n) { targets_->Set(n); }
  void probe_started() { in_flight_->Increment(); }
  void probe_finished() { in_flight_->Decrement(); }
  void probe_skipped() { skipped_->Increment(); }
  void probe_error() { errors_->Increment(); }
  // Interval mode: how late a scheduled probe started after its due time (slot wait included).
  void probe_lag(double seconds) { lag_->Observe(seconds); }
  double probes_in_flight() const { return in_flight_->Value(); }
  double probes_skipped() const { return skipped_->Value(); }

  std::string render() const;  // text exposition of this registry

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge* reload_ok_;
  prometheus::Gauge* reload_ts_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* targets_;
  prometheus::Counter* skipped_;
  prometheus::Counter* errors_;
  prometheus::Histogram* lag_;
};

}  // namespace smtp_exporter::metrics
