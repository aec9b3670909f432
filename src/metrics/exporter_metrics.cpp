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
                   .Add({})) {
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
