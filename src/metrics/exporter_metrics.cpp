#include "metrics/exporter_metrics.hpp"

#include <prometheus/text_serializer.h>

namespace smtp_exporter::metrics {
namespace {

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

ExporterMetrics::ExporterMetrics(const std::string& version, const std::string& revision)
    : registry_(std::make_shared<prometheus::Registry>()),
      reload_ok_(&gauge(*registry_, "smtp_exporter_config_last_reload_successful",
                        "1 if the last configuration load succeeded.")),
      reload_ts_(&gauge(*registry_, "smtp_exporter_config_last_reload_success_timestamp_seconds",
                        "Unix time of the last successful configuration load.")),
      in_flight_(&gauge(*registry_, "smtp_exporter_probes_in_flight", "Probes running now.")),
      targets_(&gauge(*registry_, "smtp_exporter_targets", "Targets in the configuration.")),
      skipped_(&prometheus::BuildCounter()
                    .Name("smtp_exporter_probes_skipped_total")
                    .Help("Scheduled probes skipped because the target's previous one still ran.")
                    .Register(*registry_)
                    .Add({})),
      errors_(&prometheus::BuildCounter()
                   .Name("smtp_exporter_probe_errors_total")
                   .Help("Probes the exporter could not run for want of its own resources (file "
                         "descriptors, memory); not counted against the target.")
                   .Register(*registry_)
                   .Add({})),
      lag_(&prometheus::BuildHistogram()
                .Name("smtp_exporter_scheduling_lag_seconds")
                .Help("Interval mode: how late each scheduled probe started after its due time, "
                      "including any wait for a max_concurrent_probes slot.")
                .Register(*registry_)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                 0.05, 0.1, 0.25, 0.5, 1, 2.5})) {
  prometheus::BuildGauge()
      .Name("smtp_exporter_build_info")
      .Help("Always 1; the labels say which build this is.")
      .Register(*registry_)
      .Add({{"version", version}, {"revision", revision}})
      .Set(1);
}

void ExporterMetrics::config_reloaded(bool success, double wall_time_seconds) {
  reload_ok_->Set(success ? 1 : 0);
  if (success) reload_ts_->Set(wall_time_seconds);  // a failed reload keeps the old config's time
}

std::string ExporterMetrics::render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace smtp_exporter::metrics
