#include "metrics/target_state.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "test_values.hpp"

namespace smtp_exporter::metrics {
namespace {

using classify::Event;
using prober::Failure;
using test::failed_probe;
using test::passed_probe;
using test::verdict;
using ::testing::ElementsAre;
using ::testing::Each;

TargetState make_state() {
  return TargetState({"mx1.example.org:25", "smtp_ehlo", {}}, {0.5, 1, 2, 4}, 1);
}

TEST(TargetState, StartsAtZero) {
  const auto s = make_state();
  EXPECT_FALSE(s.has_run());
  EXPECT_FALSE(s.probe_success());
  EXPECT_EQ(s.greeting_code(), 0);
  EXPECT_EQ(s.ehlo_code(), 0);
  EXPECT_EQ(s.last_run_timestamp(), 0);
  EXPECT_EQ(s.qos_timeout_seconds(), 1);
  EXPECT_THAT(s.bucket_counts(), ElementsAre(0, 0, 0, 0, 0));
  EXPECT_EQ(s.latency_count(), 0u);
  EXPECT_THAT(s.events(), Each(0u));
  EXPECT_THAT(s.failures(), Each(0u));
  EXPECT_THAT(s.phase_seconds(), Each(0.0));
  EXPECT_TRUE(s.extensions().empty());
  EXPECT_TRUE(s.auth_mechanisms().empty());
  EXPECT_FALSE(s.auth_offered_before_tls());
  EXPECT_TRUE(s.step_names().empty());
  EXPECT_TRUE(s.steps().empty());
  EXPECT_EQ(s.last_failure(), Failure::none);
}

TEST(TargetState, StepsStartAtZeroInModuleOrder) {
  const TargetState s({"t", "m", {}}, {1}, 1, {"mail_from", "relay", "rcpt_to"});
  EXPECT_THAT(s.step_names(), ElementsAre("mail_from", "relay", "rcpt_to"));
  ASSERT_EQ(s.steps().size(), 3u);
  for (const auto& step : s.steps()) {
    EXPECT_FALSE(step.success);
    EXPECT_EQ(step.seconds, 0);
    EXPECT_EQ(step.reply_code, 0);
  }
}

TEST(TargetState, StepsTakenFromTheRecordsByName) {
  TargetState s({"t", "m", {}}, {1}, 1, {"mail_from", "relay", "rcpt_to"});
  auto r = passed_probe(0.1);
  r.steps = {test::step("mail_from", 250, 0.01), test::step("relay", 250, 0.02, prober::Outcome::unexpected),
             test::step("rcpt_to", 550, 0.03)};
  s.record(r, verdict(Event::failed, Failure::rcpt_accepted), 1);
  ASSERT_EQ(s.steps().size(), 3u);
  EXPECT_TRUE(s.steps()[0].success);
  EXPECT_EQ(s.steps()[0].seconds, 0.01);
  EXPECT_EQ(s.steps()[0].reply_code, 250);
  EXPECT_FALSE(s.steps()[1].success);  // accepted where a refusal was expected
  EXPECT_EQ(s.steps()[1].seconds, 0.02);
  EXPECT_EQ(s.steps()[1].reply_code, 250);
  EXPECT_TRUE(s.steps()[2].success);
  EXPECT_EQ(s.steps()[2].reply_code, 550);
}

TEST(TargetState, StepsThatDidNotRunGoBackToZero) {
  TargetState s({"t", "m", {}}, {1}, 1, {"mail_from", "rcpt_to"});
  auto r = passed_probe(0.1);
  r.steps = {test::step("mail_from", 250, 0.01), test::step("rcpt_to", 250, 0.02)};
  s.record(r, verdict(Event::success), 1);
  r.steps = {test::step("mail_from", 421, 0.5, prober::Outcome::unexpected)};  // the dialog stopped there
  s.record(r, verdict(Event::failed, Failure::mail_from_rejected), 2);
  EXPECT_FALSE(s.steps()[0].success);
  EXPECT_EQ(s.steps()[0].reply_code, 421);
  EXPECT_FALSE(s.steps()[1].success);
  EXPECT_EQ(s.steps()[1].seconds, 0);
  EXPECT_EQ(s.steps()[1].reply_code, 0);

  s.record(failed_probe(Failure::connect_refused), verdict(Event::failed, Failure::connect_refused), 3);
  EXPECT_EQ(s.steps()[0].reply_code, 0);
  EXPECT_EQ(s.steps()[0].seconds, 0);
}

TEST(TargetState, AuthOfferedBeforeTlsIsTheLastProbes) {
  auto s = make_state();
  auto r = passed_probe(0.1);
  r.auth_offered_before_tls = true;
  s.record(r, verdict(Event::success), 1);
  EXPECT_TRUE(s.auth_offered_before_tls());
  r.auth_offered_before_tls = false;
  s.record(r, verdict(Event::success), 2);
  EXPECT_FALSE(s.auth_offered_before_tls());
}

TEST(TargetState, AuthMechanismsFollowTheLastEhlo) {
  auto s = make_state();
  auto r = passed_probe(0.1);
  s.record(r, verdict(Event::success), 1);
  EXPECT_TRUE(s.auth_mechanisms().empty());  // no AUTH line
  r.ehlo_text = "mx.example.org\nAUTH PLAIN LOGIN X-FANCY\nSIZE\n";
  s.record(r, verdict(Event::success), 2);
  EXPECT_THAT(s.auth_mechanisms(), ElementsAre("LOGIN", "PLAIN", "other"));
  s.record(r, verdict(Event::success), 3);  // the same reply again
  EXPECT_THAT(s.auth_mechanisms(), ElementsAre("LOGIN", "PLAIN", "other"));
  s.record(failed_probe(Failure::ehlo_timeout), verdict(Event::failed, Failure::ehlo_timeout), 4);
  EXPECT_TRUE(s.auth_mechanisms().empty());
}

TEST(TargetState, LabelTextEscapedAndOwnLabelsSorted) {
  const TargetState s({"mx\"1", "m\\od", {{"zone", "a\nb"}, {"site", "ams"}}}, {1}, 1);
  EXPECT_EQ(s.label_text(), R"(target="mx\"1",module="m\\od",site="ams",zone="a\nb")");
}

TEST(TargetState, BoundsSortedFiniteAndDistinct) {
  const TargetState s({"t", "m", {}}, {2, 1, 2, std::numeric_limits<double>::infinity()}, 1);
  EXPECT_THAT(s.bucket_bounds(), ElementsAre(1, 2));
  EXPECT_EQ(s.bucket_counts().size(), 3u);  // plus +Inf
}

TEST(TargetState, BucketsAreInclusiveAtEveryBoundary) {
  auto s = make_state();
  // bounds 0.5, 1 (= qos), 2 (= 2 x qos), 4, then +Inf
  for (double latency : {0.0, 0.5, 0.5000001, 1.0, 1.0000001, 2.0, 2.0000001, 4.0, 4.0000001, 100.0}) {
    s.record(passed_probe(latency), verdict(Event::success), 1);
  }
  EXPECT_THAT(s.bucket_counts(), ElementsAre(2, 2, 2, 2, 2));
  EXPECT_EQ(s.latency_count(), 10u);
  EXPECT_NEAR(s.latency_sum(), 115.0000004, 1e-9);
}

TEST(TargetState, LatencyEqualToQosGoesIntoQosBucket) {
  auto s = make_state();
  s.record(passed_probe(1.0), verdict(Event::success), 1);
  EXPECT_THAT(s.bucket_counts(), ElementsAre(0, 1, 0, 0, 0));
}

TEST(TargetState, NoLatencyNoObservation) {
  auto s = make_state();
  s.record(failed_probe(Failure::connect_refused), verdict(Event::failed, Failure::connect_refused), 1);
  EXPECT_EQ(s.latency_count(), 0u);
  EXPECT_EQ(s.latency_sum(), 0);
  EXPECT_THAT(s.bucket_counts(), Each(0u));
}

TEST(TargetState, CountsEventsAndFailureReasons) {
  auto s = make_state();
  s.record(passed_probe(0.2), verdict(Event::success), 1);
  s.record(passed_probe(1.5), verdict(Event::qos_warning), 2);
  s.record(passed_probe(1.6), verdict(Event::qos_warning), 3);
  s.record(passed_probe(3), verdict(Event::failed, Failure::qos_exceeded), 4);
  s.record(failed_probe(Failure::connect_timeout), verdict(Event::failed, Failure::connect_timeout), 5);
  s.record(failed_probe(Failure::connect_timeout), verdict(Event::failed, Failure::connect_timeout), 6);

  EXPECT_EQ(s.events()[classify::event_index(Event::success)], 1u);
  EXPECT_EQ(s.events()[classify::event_index(Event::qos_warning)], 2u);
  EXPECT_EQ(s.events()[classify::event_index(Event::failed)], 3u);
  EXPECT_EQ(s.failures()[prober::failure_index(Failure::qos_exceeded)], 1u);
  EXPECT_EQ(s.failures()[prober::failure_index(Failure::connect_timeout)], 2u);
  std::uint64_t total = 0;
  for (auto n : s.failures()) total += n;
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(s.last_failure(), Failure::connect_timeout);
  EXPECT_EQ(s.latency_count(), 4u);  // the 3 s one too: it had a 250, just too late
}

TEST(TargetState, ReasonIsCountedOnlyFor5509) {
  auto s = make_state();
  auto v = verdict(Event::success);
  v.reason = Failure::banner_mismatch;  // inconsistent input must not count a failure
  s.record(passed_probe(0.2), v, 1);
  EXPECT_THAT(s.failures(), Each(0u));
}

TEST(TargetState, LastProbeValuesReplaceTheFormer) {
  auto s = make_state();
  auto first = passed_probe(0.3);
  first.helo_fallback = true;
  s.record(first, verdict(Event::success), 1700000000.25);
  EXPECT_TRUE(s.has_run());
  EXPECT_TRUE(s.probe_success());
  EXPECT_TRUE(s.ehlo_success());
  EXPECT_TRUE(s.helo_fallback());
  EXPECT_EQ(s.greeting_code(), 220);
  EXPECT_EQ(s.ehlo_code(), 250);
  EXPECT_THAT(s.phase_seconds(), ElementsAre(0.001, 0.002, 0.0, 0.1, 0.05, 0.0, 0.003));
  EXPECT_EQ(s.last_run_timestamp(), 1700000000.25);
  EXPECT_THAT(s.extensions(), ElementsAre("8BITMIME", "PIPELINING", "STARTTLS"));

  auto second = failed_probe(Failure::greeting_rejected);
  second.greeting_code = 554;
  s.record(second, verdict(Event::failed, Failure::greeting_rejected), 1700000060);
  EXPECT_FALSE(s.probe_success());
  EXPECT_FALSE(s.ehlo_success());
  EXPECT_FALSE(s.helo_fallback());
  EXPECT_EQ(s.greeting_code(), 554);
  EXPECT_EQ(s.ehlo_code(), 0);
  EXPECT_THAT(s.phase_seconds(), ElementsAre(0.001, 0.004, 0, 0, 0, 0, 0));
  EXPECT_EQ(s.last_run_timestamp(), 1700000060);
  EXPECT_TRUE(s.extensions().empty());
  EXPECT_EQ(s.last_failure(), Failure::greeting_rejected);
}

TEST(TargetState, ExtensionsReplacedEachProbe) {
  auto s = make_state();
  auto r = passed_probe(0.1);
  s.record(r, verdict(Event::success), 1);
  r.ehlo_text = "mx.example.org\nSIZE 1000\nAUTH PLAIN\n";
  s.record(r, verdict(Event::success), 2);
  EXPECT_THAT(s.extensions(), ElementsAre("AUTH", "SIZE"));
}

TEST(AuthMechanismLabels, KnownNamesAsTheyAreOthersAsOneOther) {
  std::vector<std::string> out{"stale"};
  auth_mechanism_labels("mx.example.org\nAUTH scram-sha-256-plus Plain XOAUTH2 X-ONE X-TWO\n"
                        "AUTH=LOGIN PLAIN\nAUTH GSSAPI NTLM CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-1-PLUS\n"
                        "AUTH SCRAM-SHA-256 OAUTHBEARER ANONYMOUS EXTERNAL\n",
                        out);
  EXPECT_THAT(out, ElementsAre("ANONYMOUS", "CRAM-MD5", "DIGEST-MD5", "EXTERNAL", "GSSAPI", "LOGIN", "NTLM",
                               "OAUTHBEARER", "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
                               "SCRAM-SHA-256-PLUS", "XOAUTH2", "other"));

  auth_mechanism_labels("mx.example.org\nSIZE 1000\nSTARTTLS\n", out);
  EXPECT_TRUE(out.empty());
  auth_mechanism_labels("", out);
  EXPECT_TRUE(out.empty());
}

TEST(StepValues, ByNameZeroIfAbsent) {
  const std::vector<prober::StepRecord> records{test::step("a", 250, 0.5),
                                                test::step("b", 554, 0.25, prober::Outcome::unexpected)};
  const auto a = step_values("a", records);
  EXPECT_TRUE(a.success);
  EXPECT_EQ(a.seconds, 0.5);
  EXPECT_EQ(a.reply_code, 250);
  const auto b = step_values("b", records);
  EXPECT_FALSE(b.success);
  EXPECT_EQ(b.reply_code, 554);
  const auto c = step_values("c", records);
  EXPECT_FALSE(c.success);
  EXPECT_EQ(c.seconds, 0);
  EXPECT_EQ(c.reply_code, 0);
}

TEST(ExtensionLabels, OnlyKeywordsUpperSortedUniqueBounded) {
  std::vector<std::string> out{"stale"};
  extension_labels("mx.example.org\nsize\nSIZE 1000\nX-EXPS\n-BAD\nquote\"\n\n8BITMIME\n" + std::string(65, 'A') + "\n",
                   out);
  EXPECT_THAT(out, ElementsAre("8BITMIME", "SIZE", "X-EXPS"));

  std::string many = "mx.example.org\n";
  for (int i = 0; i < 100; ++i) many += "X" + std::to_string(i) + "\n";
  extension_labels(many, out);
  EXPECT_EQ(out.size(), kMaxExtensionLabels);
}

}  // namespace
}  // namespace smtp_exporter::metrics
