// What a reload does to the target set: which targets keep their state (and so their counters),
// which start afresh, which vanish, and which interval loops restart.
#include "app/targets.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace smtp_exporter::app {
namespace {

struct Loaded {
  config::Config config;
  Modules modules;
};

Loaded load(std::string_view yaml) {
  config::LoadResult result = config::load_string(yaml, "test.yml");
  for (const auto& e : result.errors) ADD_FAILURE() << e.to_string();
  Loaded loaded{result.config.value_or(config::Config{}), {}};
  std::vector<config::Error> errors;
  loaded.modules = prepare_modules(loaded.config, "test.yml", errors);
  EXPECT_TRUE(errors.empty());
  return loaded;
}

constexpr std::string_view kTwoTargets = R"(
modules:
  smtp_ehlo: {ehlo_name: probe.example.org, qos_timeout: 1s}
targets:
  - {name: a, address: 192.0.2.1:25, interval: 15s, labels: {site: ams}}
  - {name: b, address: 192.0.2.2:25}
)";

// Records one successful probe, as the probe runner does.
void record_success(TargetEntry& entry) {
  prober::ProbeResult result;
  result.ehlo_latency_seconds = 0.2;
  result.greeting_code = 220;
  result.ehlo_code = 250;
  entry.state.record(result, classify::classify(result, std::chrono::seconds(1)), 1700000000.0);
}

std::uint64_t success_events(const TargetEntry& entry) {
  return entry.state.events()[classify::event_index(classify::Event::success)];
}

Targets first_load(const Loaded& loaded) {
  return reload_targets({}, loaded.config.targets, loaded.modules, true).targets;
}

TEST(ReloadTargets, FirstLoadMakesFreshEntriesInConfigOrder) {
  const Loaded loaded = load(kTwoTargets);
  const Targets targets = first_load(loaded);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0]->target.name, "a");
  EXPECT_EQ(targets[1]->target.name, "b");
  EXPECT_FALSE(targets[0]->state.has_run());
  EXPECT_FALSE(targets[0]->removed);
}

TEST(ReloadTargets, UnchangedTargetKeepsItsEntryAndCounters) {
  const Loaded loaded = load(kTwoTargets);
  const Targets before = first_load(loaded);
  record_success(*before[0]);
  record_success(*before[0]);

  const Loaded again = load(kTwoTargets);  // the same file read again: new Module objects
  const ReloadedTargets after = reload_targets(before, again.config.targets, again.modules, true);
  ASSERT_EQ(after.targets.size(), 2u);
  EXPECT_EQ(after.targets[0], before[0]);
  EXPECT_EQ(after.targets[1], before[1]);
  EXPECT_EQ(success_events(*after.targets[0]), 2u);
  EXPECT_TRUE(after.removed.empty());
  EXPECT_EQ(after.targets[0]->module, again.modules.at("smtp_ehlo").settings);  // the new module object
}

TEST(ReloadTargets, ChangedIntervalKeepsCountersAndRestartsTheLoop) {
  boost::asio::io_context io;
  const Loaded loaded = load(kTwoTargets);
  const Targets before = first_load(loaded);
  record_success(*before[0]);
  auto loop_a = std::make_shared<scheduler::IntervalLoop>(io.get_executor());
  auto loop_b = std::make_shared<scheduler::IntervalLoop>(io.get_executor());
  before[0]->loop = loop_a;
  before[1]->loop = loop_b;

  std::string yaml(kTwoTargets);
  yaml.replace(yaml.find("interval: 15s"), 13, "interval: 20s");
  const Loaded changed = load(yaml);
  const ReloadedTargets after = reload_targets(before, changed.config.targets, changed.modules, true);
  EXPECT_EQ(after.targets[0], before[0]);
  EXPECT_EQ(success_events(*after.targets[0]), 1u);
  EXPECT_EQ(after.targets[0]->target.interval, std::chrono::seconds(20));
  EXPECT_TRUE(loop_a->stopped());  // stopped, to be started again with the new interval
  EXPECT_EQ(after.targets[0]->loop, nullptr);
  EXPECT_FALSE(loop_b->stopped());  // b did not change: its loop runs on
  EXPECT_EQ(after.targets[1]->loop, loop_b);
}

TEST(ReloadTargets, ScrapeModeStopsTheLoopsButKeepsTheCounters) {
  boost::asio::io_context io;
  const Loaded loaded = load(kTwoTargets);
  const Targets before = first_load(loaded);
  record_success(*before[0]);
  auto loop = std::make_shared<scheduler::IntervalLoop>(io.get_executor());
  before[0]->loop = loop;
  const ReloadedTargets after = reload_targets(before, loaded.config.targets, loaded.modules, false);
  EXPECT_EQ(after.targets[0], before[0]);
  EXPECT_EQ(success_events(*after.targets[0]), 1u);
  EXPECT_TRUE(loop->stopped());
  EXPECT_EQ(after.targets[0]->loop, nullptr);
}

TEST(ReloadTargets, ChangedModuleSettingsStartTheTargetAfresh) {
  boost::asio::io_context io;
  const Loaded loaded = load(kTwoTargets);
  const Targets before = first_load(loaded);
  record_success(*before[0]);
  record_success(*before[1]);
  auto loop = std::make_shared<scheduler::IntervalLoop>(io.get_executor());
  before[0]->loop = loop;

  std::string yaml(kTwoTargets);
  yaml.replace(yaml.find("qos_timeout: 1s"), 15, "qos_timeout: 2s");
  const Loaded changed = load(yaml);
  const ReloadedTargets after = reload_targets(before, changed.config.targets, changed.modules, true);
  ASSERT_EQ(after.targets.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NE(after.targets[i], before[i]);  // new series: the QoS bounds of the histogram changed
    EXPECT_EQ(success_events(*after.targets[i]), 0u);
    EXPECT_FALSE(after.targets[i]->state.has_run());
    EXPECT_DOUBLE_EQ(after.targets[i]->state.qos_timeout_seconds(), 2.0);
    EXPECT_TRUE(before[i]->removed);  // a probe of the old entry still running is discarded
  }
  EXPECT_EQ(after.removed.size(), 2u);
  EXPECT_TRUE(loop->stopped());
}

TEST(ReloadTargets, ChangedLabelsOrAddressStartTheTargetAfresh) {
  const Loaded loaded = load(kTwoTargets);
  const Targets before = first_load(loaded);
  std::string yaml(kTwoTargets);
  yaml.replace(yaml.find("site: ams"), 9, "site: fra");
  yaml.replace(yaml.find("192.0.2.2:25"), 12, "192.0.2.3:25");
  const Loaded changed = load(yaml);
  const ReloadedTargets after = reload_targets(before, changed.config.targets, changed.modules, true);
  EXPECT_NE(after.targets[0], before[0]);
  EXPECT_NE(after.targets[1], before[1]);
  EXPECT_EQ(after.removed.size(), 2u);
}

TEST(ReloadTargets, RemovedTargetVanishesAndNewOneStartsAtZero) {
  boost::asio::io_context io;
  const Loaded loaded = load(kTwoTargets);
  const Targets before = first_load(loaded);
  record_success(*before[0]);
  record_success(*before[1]);
  auto loop_b = std::make_shared<scheduler::IntervalLoop>(io.get_executor());
  before[1]->loop = loop_b;

  const Loaded changed = load(R"(
modules:
  smtp_ehlo: {ehlo_name: probe.example.org, qos_timeout: 1s}
targets:
  - {name: c, address: 192.0.2.9:25}
  - {name: a, address: 192.0.2.1:25, interval: 15s, labels: {site: ams}}
)");
  const ReloadedTargets after = reload_targets(before, changed.config.targets, changed.modules, true);
  ASSERT_EQ(after.targets.size(), 2u);
  EXPECT_EQ(after.targets[0]->target.name, "c");  // config order
  EXPECT_EQ(success_events(*after.targets[0]), 0u);
  EXPECT_EQ(after.targets[1], before[0]);
  EXPECT_EQ(success_events(*after.targets[1]), 1u);
  ASSERT_EQ(after.removed.size(), 1u);
  EXPECT_EQ(after.removed[0], before[1]);
  EXPECT_TRUE(before[1]->removed);
  EXPECT_TRUE(loop_b->stopped());
}

TEST(KeepShard, EveryTargetFallsToExactlyOneShard) {
  const Loaded loaded = load(R"(
targets:
  - {address: 192.0.2.1:25}
  - {address: 192.0.2.2:25}
  - {address: 192.0.2.3:25}
  - {address: 192.0.2.4:25}
  - {address: 192.0.2.5:25}
)");
  std::size_t total = 0;
  for (unsigned index = 0; index < 3; ++index) {
    auto targets = loaded.config.targets;
    keep_shard(targets, 3, index);
    for (const auto& t : targets) EXPECT_EQ(scheduler::stable_hash(t.name) % 3, index);
    total += targets.size();
  }
  EXPECT_EQ(total, 5u);
}

}  // namespace
}  // namespace smtp_exporter::app
