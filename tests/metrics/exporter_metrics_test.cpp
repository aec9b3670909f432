#include "metrics/exporter_metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exposition.hpp"

namespace smtp_exporter::metrics {
namespace {

test::Exposition parsed(const ExporterMetrics& m) {
  auto e = test::parse_exposition(m.render());
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  return e;
}

TEST(ExporterMetrics, StartsWithBuildInfoAndZeros) {
  const ExporterMetrics m("0.1.0", "fc82c0f");
  const auto e = parsed(m);
  EXPECT_EQ(e.at(test::series("smtp_exporter_build_info", {{"version", "0.1.0"}, {"revision", "fc82c0f"}})), 1);
  EXPECT_EQ(e.at("smtp_exporter_config_last_reload_successful{}"), 0);
  EXPECT_EQ(e.at("smtp_exporter_config_last_reload_success_timestamp_seconds{}"), 0);
  EXPECT_EQ(e.at("smtp_exporter_probes_in_flight{}"), 0);
  EXPECT_EQ(e.at("smtp_exporter_targets{}"), 0);
  EXPECT_EQ(e.at("smtp_exporter_probes_skipped_total{}"), 0);
  EXPECT_EQ(e.at("smtp_exporter_probe_errors_total{}"), 0);
  EXPECT_EQ(e.at("smtp_exporter_scheduling_lag_seconds_count{}"), 0);
  EXPECT_EQ(e.samples.size(), 7u + 15u);  // the lag histogram: 13 buckets, _sum, _count
  EXPECT_EQ(e.type.at("smtp_exporter_scheduling_lag_seconds"), "histogram");
  EXPECT_EQ(e.type.at("smtp_exporter_probes_skipped_total"), "counter");
  EXPECT_EQ(e.type.at("smtp_exporter_probe_errors_total"), "counter");
  for (const auto& [name, help] : e.help) EXPECT_FALSE(help.empty()) << name;
}

TEST(ExporterMetrics, SchedulingLagIsAHistogramInSeconds) {
  ExporterMetrics m("0.1.0", "fc82c0f");
  m.probe_lag(0.0003);
  m.probe_lag(0.004);
  m.probe_lag(3);
  const auto e = parsed(m);
  EXPECT_EQ(e.at(test::series("smtp_exporter_scheduling_lag_seconds_bucket", {{"le", "0.0005"}})), 1);
  EXPECT_EQ(e.at(test::series("smtp_exporter_scheduling_lag_seconds_bucket", {{"le", "0.005"}})), 2);
  EXPECT_EQ(e.at(test::series("smtp_exporter_scheduling_lag_seconds_bucket", {{"le", "2.5"}})), 2);
  EXPECT_EQ(e.at(test::series("smtp_exporter_scheduling_lag_seconds_bucket", {{"le", "+Inf"}})), 3);
  EXPECT_EQ(e.at("smtp_exporter_scheduling_lag_seconds_count{}"), 3);
}

TEST(ExporterMetrics, FailedReloadKeepsTheLastSuccessTime) {
  ExporterMetrics m("0.1.0", "fc82c0f");
  m.config_reloaded(true, 1700000000);
  m.config_reloaded(false, 1700000100);
  auto e = parsed(m);
  EXPECT_EQ(e.at("smtp_exporter_config_last_reload_successful{}"), 0);
  EXPECT_EQ(e.at("smtp_exporter_config_last_reload_success_timestamp_seconds{}"), 1700000000);
  m.config_reloaded(true, 1700000200);
  e = parsed(m);
  EXPECT_EQ(e.at("smtp_exporter_config_last_reload_successful{}"), 1);
  EXPECT_EQ(e.at("smtp_exporter_config_last_reload_success_timestamp_seconds{}"), 1700000200);
}

TEST(ExporterMetrics, ProbesTargetsAndSkips) {
  ExporterMetrics m("0.1.0", "fc82c0f");
  m.set_targets(3);
  m.probe_started();
  m.probe_started();
  m.probe_finished();
  m.probe_skipped();
  EXPECT_EQ(m.probes_in_flight(), 1);
  EXPECT_EQ(m.probes_skipped(), 1);
  const auto e = parsed(m);
  EXPECT_EQ(e.at("smtp_exporter_targets{}"), 3);
  EXPECT_EQ(e.at("smtp_exporter_probes_in_flight{}"), 1);
  EXPECT_EQ(e.at("smtp_exporter_probes_skipped_total{}"), 1);
}

}  // namespace
}  // namespace smtp_exporter::metrics
