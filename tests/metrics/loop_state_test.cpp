// A loop's metric state and its exposition: every family once, parsed strictly.
#include "metrics/loop_state.hpp"

#include <gtest/gtest.h>

#include <array>

#include "metrics/exposition.hpp"

namespace smtp_exporter::metrics {
namespace {

using test::parse_exposition;
using test::series;

constexpr std::array<std::string_view, 2> kSendReasons = {"connect_refused", "data_rejected"};
constexpr std::array<std::string_view, 2> kReceiveReasons = {"connect", "login"};

LoopState state(std::string name) { return LoopState(std::move(name), {1, 10}, kSendReasons, kReceiveReasons); }

TEST(LoopState, EverySeriesFromTheStartAndEachFamilyOnce) {
  const LoopState a = state("a");
  const LoopState b = state("b\"quoted\"");
  std::string text;
  write_loops(text, {&a, &b});
  const auto e = parse_exposition(text);
  ASSERT_TRUE(e.errors.empty()) << e.errors.front() << "\n" << text;
  for (const std::string loop : {"a", "b\"quoted\""}) {  // as written, the parser unescapes
    EXPECT_EQ(e.at(series("smtp_loop_sent_total", {{"loop", loop}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_send_failures_total", {{"loop", loop}, {"reason", "data_rejected"}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_received_total", {{"folder", "INBOX"}, {"loop", loop}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_lost_total", {{"loop", loop}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_late_total", {{"loop", loop}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_pending", {{"loop", loop}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_roundtrip_seconds_bucket", {{"le", "+Inf"}, {"loop", loop}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_receive_up", {{"loop", loop}})), 0);
    EXPECT_EQ(e.at(series("smtp_loop_receive_failures_total", {{"loop", loop}, {"reason", "login"}})), 0);
  }
  EXPECT_EQ(e.type.at("smtp_loop_roundtrip_seconds"), "histogram");
  EXPECT_EQ(e.type.at("smtp_loop_sent_total"), "counter");
  // Before a message was found, no queue time and no verdicts.
  EXPECT_EQ(e.type.count("smtp_loop_last_queue_seconds"), 0u);
  EXPECT_EQ(e.type.count("smtp_loop_auth_results"), 0u);
}

TEST(LoopState, WhatARunnerRecords) {
  LoopState s = state("l");
  s.sent();
  s.sent();
  s.sent();
  s.send_failed("connect_refused");
  s.know_folder("Junk");
  s.know_folder("INBOX");
  s.received({"INBOX", 0.5, 1764650000, 2.0, {{"spf", "pass"}, {"dmarc", "fail"}}});
  s.received({"Junk", 12, 1764650100, std::nullopt, {}});
  s.lost();
  s.late();
  s.set_pending(1);
  s.receive_succeeded();
  std::string text;
  write_loops(text, {&s});
  const auto e = parse_exposition(text);
  ASSERT_TRUE(e.errors.empty()) << e.errors.front() << "\n" << text;
  EXPECT_EQ(e.at(series("smtp_loop_sent_total", {{"loop", "l"}})), 3);
  EXPECT_EQ(e.at(series("smtp_loop_send_failures_total", {{"loop", "l"}, {"reason", "connect_refused"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_received_total", {{"folder", "INBOX"}, {"loop", "l"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_received_total", {{"folder", "Junk"}, {"loop", "l"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_roundtrip_seconds_bucket", {{"le", "1"}, {"loop", "l"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_roundtrip_seconds_bucket", {{"le", "10"}, {"loop", "l"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_roundtrip_seconds_bucket", {{"le", "+Inf"}, {"loop", "l"}})), 2);
  EXPECT_EQ(e.at(series("smtp_loop_roundtrip_seconds_sum", {{"loop", "l"}})), 12.5);
  EXPECT_EQ(e.at(series("smtp_loop_roundtrip_seconds_count", {{"loop", "l"}})), 2);
  EXPECT_EQ(e.at(series("smtp_loop_last_roundtrip_seconds", {{"loop", "l"}})), 12);
  EXPECT_EQ(e.at(series("smtp_loop_last_success_timestamp_seconds", {{"loop", "l"}})), 1764650100);
  EXPECT_EQ(e.type.count("smtp_loop_last_queue_seconds"), 0u);  // the last message had no Received dates
  EXPECT_EQ(e.type.count("smtp_loop_auth_results"), 0u);        // nor an Authentication-Results header
  EXPECT_EQ(e.at(series("smtp_loop_lost_total", {{"loop", "l"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_late_total", {{"loop", "l"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_pending", {{"loop", "l"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_receive_up", {{"loop", "l"}})), 1);
  s.receive_failed("login");
  text.clear();
  write_loops(text, {&s});
  const auto after = parse_exposition(text);
  EXPECT_EQ(after.at(series("smtp_loop_receive_up", {{"loop", "l"}})), 0);
  EXPECT_EQ(after.at(series("smtp_loop_receive_failures_total", {{"loop", "l"}, {"reason", "login"}})), 1);
}

TEST(LoopState, TheLastMessagesVerdictsReplaceTheOnesBefore) {
  LoopState s = state("l");
  s.received({"INBOX", 1, 1, 3.0, {{"spf", "pass"}, {"dkim", "pass"}}});
  s.received({"INBOX", 1, 2, 3.0, {{"spf", "softfail"}}});
  std::string text;
  write_loops(text, {&s});
  const auto e = parse_exposition(text);
  EXPECT_EQ(e.at(series("smtp_loop_auth_results", {{"loop", "l"}, {"method", "spf"}, {"result", "softfail"}})), 1);
  EXPECT_EQ(e.at(series("smtp_loop_auth_results", {{"loop", "l"}, {"method", "dkim"}, {"result", "pass"}})), -12345);
  EXPECT_EQ(e.at(series("smtp_loop_last_queue_seconds", {{"loop", "l"}})), 3);
}

TEST(LoopState, NoLoopsWriteNothing) {
  std::string text;
  write_loops(text, {});
  EXPECT_EQ(text, "");
}

}  // namespace
}  // namespace smtp_exporter::metrics
