// Hostile and quirky servers (issue 5): each misbehaves in one way, and the probe must end
// within its own deadline with the verdict a correct prober gives. The plainer cases (no
// greeting, 421/554, EHLO refused, cut-off replies, resets, bare LF, changing codes, QUIT
// unanswered, a 100 KiB greeting line, ...) are in prober_dialog_test.cpp; these are the rest.
// Timing bounds are loose: the machine is shared.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "prober/probe_harness.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::test {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

const std::string kGreeting = "220 mx.example.org ESMTP ready\r\n";
const std::string kEhloLine = "EHLO probe.example.org\r\n";
const std::string kQuitLine = "QUIT\r\n";
const std::string kBye = "221 2.0.0 bye\r\n";

double seconds(std::chrono::milliseconds d) { return std::chrono::duration<double>(d).count(); }

// The probe ended by its own deadline (2 x QoS, or the hard timeout if shorter), give or take
// the scheduling slack of a shared machine.
void expect_within_deadline(const prober::ProbeResult& r, const config::Module& module) {
  const double deadline = seconds(std::min(2 * module.qos_timeout, module.timeout));
  EXPECT_LT(r.total_seconds, deadline + 0.5) << r.detail;
}

// Greeting, then `ehlo_reply` to EHLO, then 221 to QUIT.
Script answering(const std::string& greeting, const std::string& ehlo_reply) {
  return Script().send(greeting).expect_line().send(ehlo_reply).expect_line().send(kBye);
}

std::string repeated(const std::string& line, std::size_t times) {
  std::string out;
  out.reserve(line.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += line;
  return out;
}

// --- A greeting that drips one byte every 200 ms ------------------------------------------

TEST(Hostile, GreetingDrippingWithinQosIsASuccess) {
  // 7 bytes, 6 gaps of 200 ms: the final line is complete after about 1.2 s, inside QoS 2 s.
  const auto module = test_module(2000ms, 5000ms);
  const auto d = probe_script(
      Script().drop_early_talkers().drip("220 a\r\n", 200ms).expect_line().send("250 mx\r\n").expect_line().send(kBye),
      module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << r.detail;
  EXPECT_EQ(r.greeting_code, 220);
  ASSERT_TRUE(r.ehlo_latency_seconds);
  EXPECT_GE(*r.ehlo_latency_seconds, 1.19);
  EXPECT_EQ(d->server.early_bytes, 0u);  // nothing written while the greeting dripped
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kQuitLine}));
  EXPECT_EQ(verdict_of(r, module), kSuccess);
  expect_within_deadline(r, module);
}

TEST(Hostile, GreetingDrippingPastQosButWithinTwiceIsAWarning) {
  const auto module = test_module(1000ms, 5000ms);  // 1.2 s: after QoS, before 2 x QoS
  const auto d = probe_script(
      Script().drip("220 a\r\n", 200ms).expect_line().send("250 mx\r\n").expect_line().send(kBye), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_EQ(verdict_of(d->result, module), kQosWarning);
  expect_within_deadline(d->result, module);
}

TEST(Hostile, GreetingDrippingPastTwiceQosIsAGreetingTimeout) {
  // 32 bytes would take over 6 s; QoS 500 ms: the probe gives up at 1 s, mid-line.
  const auto module = test_module(500ms, 5000ms);
  const auto d = probe_script(Script().drip(kGreeting, 200ms).expect_line().send("250 mx\r\n"), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::greeting_timeout) << r.detail;
  EXPECT_EQ(r.greeting_code, 0);
  EXPECT_GE(r.total_seconds, 0.99);
  EXPECT_TRUE(d->server.lines.empty());  // not even QUIT mid-greeting
  EXPECT_EQ(verdict_of(r, module), failed(Failure::greeting_timeout));
  expect_within_deadline(r, module);
}

// --- Floods: the caps end them at once, without waiting for a timer ------------------------

TEST(Hostile, MultiMegabyteEhloLineWithoutLineEndIsAProtocolErrorAtOnce) {
  const auto module = test_module(1000ms, 3000ms);
  const std::string flood = "250-" + std::string(4 * 1024 * 1024, 'A');  // 4 MiB, no CRLF
  const auto d = probe_script(Script().send(kGreeting).expect_line().send(flood).drain(), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::protocol_error) << r.detail;
  EXPECT_NE(r.detail.find("4096"), std::string::npos) << r.detail;  // the line cap, not a timer
  EXPECT_EQ(r.greeting_code, 220);
  EXPECT_FALSE(r.ehlo_latency_seconds);
  EXPECT_LT(r.total_seconds, 1.0);  // the deadline is 2 s away
  EXPECT_TRUE(d->server.client_closed);  // the prober hung up instead of reading on
  EXPECT_EQ(verdict_of(r, module), failed(Failure::protocol_error));
}

TEST(Hostile, HundredsOfThousandsOfContinuationLinesStopAtTheReplyCap) {
  const auto module = test_module(1000ms, 3000ms);
  const std::string ehlo_flood = "250-mx.example.org\r\n" + repeated("250-PIPELINING\r\n", 300'000);  // 4.8 MB
  const std::string greeting_flood = repeated("220-teaser\r\n", 300'000);
  const Script in_ehlo = Script().send(kGreeting).expect_line().send(ehlo_flood).send("250 SIZE\r\n").drain();
  const Script in_greeting = Script().send(greeting_flood).send("220 ready\r\n").drain();
  for (const auto* script : {&in_ehlo, &in_greeting}) {
    SCOPED_TRACE(script == &in_ehlo ? "EHLO reply" : "greeting");
    const auto d = probe_script(*script, module);
    ASSERT_TRUE(d);
    const auto& r = d->result;
    EXPECT_EQ(r.failure, Failure::protocol_error) << r.detail;
    EXPECT_NE(r.detail.find("1000 lines"), std::string::npos) << r.detail;
    EXPECT_FALSE(r.ehlo_latency_seconds);
    EXPECT_TRUE(smtp::ehlo_keywords(r.ehlo_text).empty());
    EXPECT_LT(r.total_seconds, 1.0);
    EXPECT_EQ(verdict_of(r, module), failed(Failure::protocol_error));
  }
}

// --- Garbage -------------------------------------------------------------------------------

TEST(Hostile, BinaryGarbageAndNulBytesAreAProtocolError) {
  const auto module = test_module();
  std::string garbage;
  for (int i = 0; i < 3000; ++i) garbage += static_cast<char>((i * 7919 + 13) % 256);  // has LFs and NULs
  const std::string nul_code("\0\0\0 mx.example.org\r\n", 20);
  const std::string nul_ehlo_line = std::string("250-mx.example.org\r\n") + std::string("\0\0\0\0\r\n", 6) + "250 SIZE\r\n";
  struct Case {
    const char* name;
    Script script;
    int greeting_code;
  };
  const std::vector<Case> cases = {
      {"binary greeting", Script().send(garbage).drain(), 0},
      {"NUL bytes instead of the greeting code", Script().send(nul_code).drain(), 0},
      {"a line of NUL bytes in the EHLO reply", Script().send(kGreeting).expect_line().send(nul_ehlo_line).drain(), 220},
      {"binary after the EHLO", Script().send(kGreeting).expect_line().send(garbage).drain(), 220},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ProbeRun run;
    run.record_transcript = true;  // the transcript must cope with the bytes too
    const auto d = probe_script(c.script, module, run);
    ASSERT_TRUE(d);
    const auto& r = d->result;
    EXPECT_EQ(r.failure, Failure::protocol_error) << r.detail;
    EXPECT_EQ(r.greeting_code, c.greeting_code);
    EXPECT_FALSE(r.ehlo_latency_seconds);
    EXPECT_LT(r.total_seconds, 0.5);
    EXPECT_EQ(verdict_of(r, module), failed(Failure::protocol_error));
  }
}

TEST(Hostile, EightBitTextInTheGreetingIsASuccess) {
  // Latin-1, UTF-8 and bytes that are neither: the text is never judged, only the code.
  const std::string greeting = "220-mx.example.org ESMTP Gr\xfc\xdf" "e \xc3\xa9t\xc3\xa9 \xff\xfe\x80\r\n"
                               "220 \xe6\x97\xa5\xe6\x9c\xac ready\r\n";
  for (const bool with_banner_check : {false, true}) {
    SCOPED_TRACE(with_banner_check ? "with expect_banner" : "without expect_banner");
    auto module = test_module();
    if (with_banner_check) set_expect_banner(module, "^mx\\.example\\.org ESMTP Gr.+e");
    ProbeRun run;
    run.record_transcript = true;
    const auto d = probe_script(answering(greeting, "250-mx.example.org \xe4\xf6\xfc\r\n250 8BITMIME\r\n"), module, run);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
    EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"8BITMIME"}));
    EXPECT_EQ(verdict_of(d->result, module), kSuccess);
  }
}

// --- An EHLO reply that trickles line by line forever ---------------------------------------

TEST(Hostile, EhloReplyTricklingForeverIsAnEhloTimeoutAtTwiceQos) {
  const auto module = test_module(300ms, 5000ms);
  Script script = Script().send(kGreeting).expect_line().send("250-mx.example.org\r\n");
  for (int i = 0; i < 100; ++i) script.send("250-X-TRICKLE-" + std::to_string(i) + "\r\n").pause(50ms);  // 5 s
  const auto d = probe_script(script, module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::ehlo_timeout) << r.detail;  // a timeout, not the 1000-line cap
  EXPECT_EQ(r.greeting_code, 220);
  EXPECT_FALSE(r.ehlo_latency_seconds);
  EXPECT_GE(r.total_seconds, 0.59);
  EXPECT_LT(r.total_seconds, 1.1);  // 2 x QoS, not the 5 s timeout nor the end of the trickle
  EXPECT_EQ(verdict_of(r, module), failed(Failure::ehlo_timeout));
}

// --- A banner that embeds the current time --------------------------------------------------

std::string rfc5322_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

TEST(Hostile, BannerWithTheCurrentTimeIsASuccessEveryTime) {
  auto module = test_module();
  set_expect_banner(module, "^mx\\.example\\.org ESMTP");
  for (int i = 0; i < 2; ++i) {  // two banners that differ: same verdict, nothing keyed on the text
    const std::string greeting = "220 mx.example.org ESMTP Sendmail 8.17.1; " + rfc5322_now() + " (" +
                                 std::to_string(i) + ")\r\n";
    const auto d = probe_script(answering(greeting, "250-mx.example.org\r\n250 DSN\r\n"), module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
    EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"DSN"}));
    EXPECT_EQ(verdict_of(d->result, module), kSuccess);
  }
}

// --- Capabilities in mixed case, odd spacing, duplicated ------------------------------------
// (lower case with tabs and runs of spaces is in ProberDialog.HealthySession...; this adds mixed
// case, duplicates differing in case, trailing blanks and a keyword on the final line)

TEST(Hostile, CapabilitiesInMixedCaseAndOddSpacingAreNormalised) {
  const auto module = test_module();
  const auto d = probe_script(answering(kGreeting,
                                        "250-mx.example.org\r\n"
                                        "250-sTaRtTlS   \r\n"
                                        "250-\t\tSize\t 52428800 \r\n"
                                        "250-SIZE 1000\r\n"
                                        "250-   \r\n"
                                        "250 \t chunking\t\r\n"),
                              module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"STARTTLS", "SIZE", "CHUNKING"}));
  EXPECT_EQ(verdict_of(d->result, module), kSuccess);
}

}  // namespace
}  // namespace smtp_exporter::test
