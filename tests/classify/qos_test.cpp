#include "classify/qos.hpp"

#include <gtest/gtest.h>

namespace smtp_exporter::classify {
namespace {

using prober::Failure;
using prober::ProbeResult;
constexpr std::chrono::duration<double> kQos{2.0};

ProbeResult answered_after(double seconds) {
  ProbeResult r;
  r.ehlo_latency_seconds = seconds;
  r.ehlo_code = 250;
  return r;
}

struct Case {
  double latency;
  Event event;
  bool probe_success;
  bool ehlo_success;
  Failure reason;
};

TEST(Classify, BoundariesOfTheQosRule) {
  const Case cases[] = {
      {0.0, Event::success, true, true, Failure::none},
      {1.999, Event::success, true, true, Failure::none},
      {2.0, Event::success, true, true, Failure::none},  // "within" includes the bound
      {2.001, Event::qos_warning, true, true, Failure::none},
      {4.0, Event::qos_warning, true, true, Failure::none},
      {4.001, Event::failed, false, false, Failure::qos_exceeded},
      {30.0, Event::failed, false, false, Failure::qos_exceeded},
  };
  for (const auto& c : cases) {
    const Verdict v = classify(answered_after(c.latency), kQos);
    EXPECT_EQ(v.event, c.event) << c.latency;
    EXPECT_EQ(v.probe_success, c.probe_success) << c.latency;
    EXPECT_EQ(v.ehlo_success, c.ehlo_success) << c.latency;
    EXPECT_EQ(v.reason, c.reason) << c.latency;
  }
}

TEST(Classify, AProberFailureIsA5509WithItsReason) {
  for (Failure f : {Failure::resolve, Failure::connect_refused, Failure::connect_timeout, Failure::greeting_timeout,
                    Failure::greeting_rejected, Failure::ehlo_timeout, Failure::ehlo_rejected,
                    Failure::protocol_error}) {
    ProbeResult r;
    r.failure = f;
    const Verdict v = classify(r, kQos);
    EXPECT_EQ(v.event, Event::failed);
    EXPECT_EQ(v.reason, f);
    EXPECT_FALSE(v.probe_success);
    EXPECT_FALSE(v.ehlo_success);
  }
}

TEST(Classify, AFailedCheckFailsTheProbeButNotTheEhlo) {
  ProbeResult r = answered_after(0.1);
  r.failure = Failure::banner_mismatch;
  const Verdict v = classify(r, kQos);
  EXPECT_EQ(v.event, Event::failed);
  EXPECT_EQ(v.reason, Failure::banner_mismatch);
  EXPECT_FALSE(v.probe_success);
  EXPECT_TRUE(v.ehlo_success);
}

TEST(Classify, NoFailureAndNo250IsStillAFailure) {
  const Verdict v = classify(ProbeResult{}, kQos);
  EXPECT_EQ(v.event, Event::failed);
  EXPECT_EQ(v.reason, Failure::protocol_error);
}

TEST(Classify, EventNumbers) {
  EXPECT_EQ(static_cast<int>(Event::success), 5510);
  EXPECT_EQ(static_cast<int>(Event::qos_warning), 5511);
  EXPECT_EQ(static_cast<int>(Event::failed), 5509);
  for (Event e : {Event::success, Event::qos_warning, Event::failed}) {
    EXPECT_EQ(event_name(e), std::to_string(static_cast<int>(e)));
    EXPECT_EQ(kEvents[event_index(e)], e);
  }
}

// The QoS boundaries are always bucket bounds, so the histogram tells a slow probe from a
// failed one exactly.
TEST(LatencyBounds, AlwaysHoldQosAndTwiceQos) {
  using std::chrono::duration;
  EXPECT_EQ(latency_bounds({1, 2}, duration<double>(0.3)), (std::vector<double>{0.3, 0.6, 1, 2}));
  EXPECT_EQ(latency_bounds({0.5, 1, 2}, duration<double>(1)), (std::vector<double>{0.5, 1, 2}));
  EXPECT_EQ(latency_bounds({}, duration<double>(60)), (std::vector<double>{60, 120}));
  EXPECT_EQ(latency_bounds({0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, duration<double>(2)),
            (std::vector<double>{0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 4, 5, 10}));
}

TEST(DialogCutoff, IsTwiceTheQosTime) {
  EXPECT_EQ(dialog_cutoff(std::chrono::milliseconds(300)), std::chrono::milliseconds(600));
}

}  // namespace
}  // namespace smtp_exporter::classify
