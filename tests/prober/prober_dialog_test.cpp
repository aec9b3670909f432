// The prober against the scripted server: one SMTP dialog per test, asserting the ProbeResult,
// what the server saw, and the QoS verdict. Timing bounds are loose: the machine is shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "prober/probe_harness.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::test {
namespace {

using namespace std::chrono_literals;
using prober::Phase;
using Lines = std::vector<std::string>;

const std::string kGreeting = "220 mx.example.org ESMTP ready\r\n";
const std::string kEhloLine = "EHLO probe.example.org\r\n";
const std::string kHeloLine = "HELO probe.example.org\r\n";
const std::string kQuitLine = "QUIT\r\n";
const std::string kBye = "221 2.0.0 bye\r\n";
double phase(const prober::ProbeResult& r, Phase p) { return r.phase_seconds[static_cast<std::size_t>(p)]; }

// Greeting, EHLO answered with `ehlo_reply`, QUIT answered with 221.
Script answering(const std::string& ehlo_reply) {
  return Script().send(kGreeting).expect_line().send(ehlo_reply).expect_line().send(kBye);
}

// The server's first client bytes came only after it had sent `bytes` (all of its greeting).
void expect_silent_until(const SessionRecord& server, std::size_t bytes) {
  ASSERT_FALSE(server.chunks.empty());
  EXPECT_EQ(server.chunks.front().server_bytes_sent, bytes);
  EXPECT_EQ(server.early_bytes, 0u);
  EXPECT_TRUE(server.violations.empty()) << server.violations.front();
}

TEST(ProberDialog, HealthySessionReadsEveryExtensionLineAndSucceeds) {
  const auto module = test_module();
  const auto d = probe_script(answering("250-mx.example.org greets probe.example.org\r\n"
                                        "250-pipelining\r\n"
                                        "250-  size   10240000\r\n"
                                        "250-8bitmime\r\n"
                                        "250-auth\tplain login\r\n"
                                        "250 STARTTLS\r\n"),
                              module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << r.detail;
  EXPECT_EQ(r.greeting_code, 220);
  EXPECT_EQ(r.ehlo_code, 250);
  EXPECT_FALSE(r.helo_fallback);
  EXPECT_EQ(smtp::ehlo_keywords(r.ehlo_text), (Lines{"PIPELINING", "SIZE", "8BITMIME", "AUTH", "STARTTLS"}));
  EXPECT_EQ(r.peer_address, "127.0.0.1");
  EXPECT_EQ(r.bare_lf_lines, 0u);
  EXPECT_TRUE(r.transcript.empty());  // not asked for

  ASSERT_TRUE(r.ehlo_latency_seconds);
  const double latency = *r.ehlo_latency_seconds;
  EXPECT_LT(latency, 0.3);
  EXPECT_LT(phase(r, Phase::resolve), 0.1);  // a literal: no lookup
  EXPECT_LE(phase(r, Phase::connect) + phase(r, Phase::greeting) + phase(r, Phase::ehlo), latency + 1e-3);
  EXPECT_GT(phase(r, Phase::quit), 0.0);
  EXPECT_LT(phase(r, Phase::quit), 0.5);  // 221 came at once: no waiting out the QUIT timer
  EXPECT_GE(r.total_seconds, latency);

  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kQuitLine}));
  expect_silent_until(d->server, kGreeting.size());
  EXPECT_EQ(verdict_of(r, module), kSuccess);
}

TEST(ProberDialog, FinalEhloLineWithoutTextIsSuccess) {
  const auto module = test_module();
  for (const std::string last : {"250 \r\n", "250\r\n"}) {
    SCOPED_TRACE("final line " + last.substr(0, last.size() - 2) + "<CRLF>");
    const auto d = probe_script(answering("250-mx.example.org\r\n250-PIPELINING\r\n" + last), module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
    EXPECT_EQ(d->result.ehlo_code, 250);
    EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"PIPELINING"}));
    EXPECT_EQ(verdict_of(d->result, module), kSuccess);
  }
}

TEST(ProberDialog, SendsEhloWithCrlfAndTheConfiguredNameOnly) {
  for (const std::string name : {"probe.example.org", "[192.0.2.1]", "[IPv6:2001:db8::1]"}) {
    SCOPED_TRACE(name);
    auto module = test_module();
    module.ehlo_name = name;
    const auto d = probe_script(answering("250 mx.example.org\r\n"), module);
    ASSERT_TRUE(d);
    ASSERT_FALSE(d->server.chunks.empty());
    EXPECT_EQ(d->server.chunks.front().bytes, "EHLO " + name + "\r\n");  // one write, nothing else
    EXPECT_EQ(d->server.lines, (Lines{"EHLO " + name + "\r\n", kQuitLine}));
    EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  }
}

TEST(ProberDialog, GreetingAfterOneAndAHalfQosIsAWarning) {
  const auto module = test_module(400ms);
  const auto d = probe_script(Script().pause(600ms).send(kGreeting).expect_line().send("250 mx\r\n").expect_line().send(kBye),
                              module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << r.detail;
  EXPECT_GE(phase(r, Phase::greeting), 0.59);
  ASSERT_TRUE(r.ehlo_latency_seconds);
  EXPECT_GE(*r.ehlo_latency_seconds, 0.59);
  EXPECT_LE(*r.ehlo_latency_seconds, 0.8);
  EXPECT_EQ(verdict_of(r, module), kQosWarning);
  expect_silent_until(d->server, kGreeting.size());
}

TEST(ProberDialog, GreetingAfterThreeQosTimesOutAtTwiceQos) {
  const auto module = test_module(300ms, 2000ms);
  const auto d = probe_script(Script().pause(900ms).send(kGreeting).expect_line().send("250 mx\r\n"), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::greeting_timeout) << r.detail;
  EXPECT_EQ(r.greeting_code, 0);
  EXPECT_FALSE(r.ehlo_latency_seconds);
  EXPECT_GE(r.total_seconds, 0.59);  // ran on past the QoS time...
  EXPECT_LT(r.total_seconds, 0.89);  // ...to twice it, not to the greeting or the 2s timeout
  EXPECT_TRUE(d->server.lines.empty());  // nothing written, not even QUIT
  EXPECT_EQ(verdict_of(r, module), failed(Failure::greeting_timeout));
}

TEST(ProberDialog, WaitsForTheFinalLineOfAMultiLineGreeting) {
  const std::string teaser = "220-mx.example.org teaser: wait for it\r\n";
  const std::string final_line = "220 mx.example.org ready\r\n";
  const auto module = test_module(1000ms);
  // Like a greet-pause server: a client that talks before the final line is dropped. The final
  // line comes one byte at a time, so that "220 " alone is not taken for the end of the reply.
  const auto d = probe_script(Script()
                                  .drop_early_talkers()
                                  .send(teaser)
                                  .pause(300ms)
                                  .drip(final_line, 3ms)
                                  .expect_line()
                                  .send("250-mx.example.org\r\n250 8BITMIME\r\n")
                                  .expect_line()
                                  .send(kBye),
                              module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_GE(phase(d->result, Phase::greeting), 0.3);
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kQuitLine}));
  expect_silent_until(d->server, teaser.size() + final_line.size());
  EXPECT_EQ(verdict_of(d->result, module), kSuccess);
}

TEST(ProberDialog, GreetingRefusalsAreRejectedAndQuitOnlyWhenTheServerStays) {
  struct Case {
    std::string greeting;
    Lines client_lines;  // 421: the server is closing, so no QUIT
  };
  const auto module = test_module();
  for (const auto& c : {Case{"421 4.3.2 mx.example.org busy, try later\r\n", {}},
                        Case{"554 5.7.1 no service for you\r\n", {kQuitLine}}}) {
    SCOPED_TRACE(c.greeting);
    const auto d = probe_script(Script().send(c.greeting).expect_line().send(kBye), module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::greeting_rejected) << d->result.detail;
    EXPECT_EQ(d->result.greeting_code, std::stoi(c.greeting));
    EXPECT_EQ(d->server.lines, c.client_lines);
    EXPECT_TRUE(d->server.client_closed);
    EXPECT_EQ(verdict_of(d->result, module), failed(Failure::greeting_rejected));
  }
}

TEST(ProberDialog, EhloRefusedByAnOldServerFallsBackToHelo) {
  const auto module = test_module();
  ASSERT_TRUE(module.helo_fallback);  // the default
  for (const int code : {500, 501, 502, 550}) {
    SCOPED_TRACE("EHLO answered " + std::to_string(code));
    const auto d = probe_script(Script()
                                    .send(kGreeting)
                                    .expect_line()
                                    .send(std::to_string(code) + " 5.5.1 command unrecognized\r\n")
                                    .expect_line()
                                    .send("250 mx.example.org\r\n")
                                    .expect_line()
                                    .send(kBye),
                                module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
    EXPECT_TRUE(d->result.helo_fallback);
    EXPECT_EQ(d->result.ehlo_code, 250);
    EXPECT_TRUE(smtp::ehlo_keywords(d->result.ehlo_text).empty());
    EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kHeloLine, kQuitLine}));
    EXPECT_EQ(verdict_of(d->result, module), kSuccess);
  }
}

TEST(ProberDialog, EhloRefusalsWithoutFallbackAreRejected) {
  struct Case {
    std::string reply;
    bool helo_fallback;
    Lines client_lines;
  };
  for (const auto& c : {
           Case{"502 5.5.1 command unrecognized\r\n", false, {kEhloLine, kQuitLine}},  // fallback off
           Case{"451 4.3.0 try again later\r\n", true, {kEhloLine, kQuitLine}},      // transient: no HELO
           Case{"421 4.7.0 closing\r\n", true, {kEhloLine}},                          // closing: no QUIT
       }) {
    SCOPED_TRACE(c.reply);
    auto module = test_module();
    module.helo_fallback = c.helo_fallback;
    const auto d =
        probe_script(Script().send(kGreeting).expect_line().send(c.reply).expect_line().send(kBye), module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::ehlo_rejected) << d->result.detail;
    EXPECT_FALSE(d->result.helo_fallback);
    EXPECT_EQ(d->result.ehlo_code, std::stoi(c.reply));
    EXPECT_FALSE(d->result.ehlo_latency_seconds);
    EXPECT_EQ(d->server.lines, c.client_lines);
    EXPECT_EQ(verdict_of(d->result, module), failed(Failure::ehlo_rejected));
  }
}

TEST(ProberDialog, ReplyCutOffMidLineIsAProtocolError) {
  const auto module = test_module();
  const Script greeting_cut = Script().send("220 mx.exa").close();
  const Script ehlo_cut = Script().send(kGreeting).expect_line().send("250-mx.example.org\r\n250-PIPEL").close();
  for (const auto* script : {&greeting_cut, &ehlo_cut}) {
    SCOPED_TRACE(script == &greeting_cut ? "greeting cut" : "EHLO reply cut");
    const auto d = probe_script(*script, module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::protocol_error) << d->result.detail;
    EXPECT_EQ(d->result.ehlo_code, 0);
    EXPECT_LT(d->result.total_seconds, 0.3);  // the close ends it, no timer
    EXPECT_EQ(verdict_of(d->result, module), failed(Failure::protocol_error));
  }
}

TEST(ProberDialog, SilentServerIsAGreetingTimeout) {
  const auto module = test_module(200ms, 2000ms);
  const auto d = probe_script(Script().pause(3000ms), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::greeting_timeout) << d->result.detail;
  EXPECT_GE(d->result.total_seconds, 0.39);
  EXPECT_LT(d->result.total_seconds, 1.0);
  EXPECT_TRUE(d->server.lines.empty());
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::greeting_timeout));
}

TEST(ProberDialog, UnansweredEhloIsAnEhloTimeout) {
  const auto module = test_module(200ms, 2000ms);
  const auto d = probe_script(Script().send(kGreeting).expect_line().pause(3000ms), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::ehlo_timeout) << d->result.detail;
  EXPECT_EQ(d->result.greeting_code, 220);
  EXPECT_GE(d->result.total_seconds, 0.39);
  EXPECT_LT(d->result.total_seconds, 1.0);
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine}));
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::ehlo_timeout));
}

TEST(ProberDialog, AcceptThenCloseIsAProtocolError) {
  const auto module = test_module();
  const auto d = probe_script(Script().close(), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::protocol_error) << d->result.detail;
  EXPECT_EQ(d->result.greeting_code, 0);
  EXPECT_EQ(d->result.peer_address, "127.0.0.1");  // it did connect
  EXPECT_LT(d->result.total_seconds, 0.3);
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::protocol_error));
}

TEST(ProberDialog, ResetAfterEhloIsAProtocolError) {
  const auto module = test_module();
  const auto d = probe_script(Script().send(kGreeting).expect_line().reset(), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::protocol_error) << d->result.detail;
  EXPECT_EQ(d->result.greeting_code, 220);
  EXPECT_LT(d->result.total_seconds, 0.3);
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::protocol_error));
}

TEST(ProberDialog, CodeChangingWithinOneReplyIsAProtocolError) {
  const auto module = test_module();
  const auto d = probe_script(Script().send(kGreeting).expect_line().send("250-a\r\n251 b\r\n").drain(), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::protocol_error) << d->result.detail;
  EXPECT_FALSE(d->result.ehlo_latency_seconds);
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::protocol_error));
}

TEST(ProberDialog, EndlessLineIsAProtocolErrorWithoutWaitingForTheTimer) {
  const auto module = test_module(1000ms, 3000ms);
  const auto d = probe_script(Script().send("220 " + std::string(100 * 1024, 'x')).drain(), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::protocol_error) << d->result.detail;
  EXPECT_EQ(d->result.greeting_code, 0);
  EXPECT_LT(d->result.total_seconds, 1.0);  // the dialog deadline is 2s away
  EXPECT_TRUE(d->server.lines.empty());
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::protocol_error));
}

TEST(ProberDialog, LinesLongerThanTheRfcLimitAreTolerated) {
  const auto module = test_module();
  const std::string long_text(2000, 'x');  // RFC 5321 says 512 octets; servers exceed it
  const auto d = probe_script(Script()
                                  .send("220 " + long_text + "\r\n")
                                  .expect_line()
                                  .send("250-mx.example.org " + long_text + "\r\n250 SIZE\r\n")
                                  .expect_line()
                                  .send(kBye),
                              module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"SIZE"}));
  EXPECT_EQ(verdict_of(d->result, module), kSuccess);
}

TEST(ProberDialog, BareLfLineEndsAreAcceptedAndCounted) {
  const auto module = test_module();
  const auto d = probe_script(Script()
                                  .send("220 mx.example.org bare\n")
                                  .expect_line()
                                  .send("250-mx.example.org\n250 SIZE 1000\r\n")
                                  .expect_line()
                                  .send(kBye),
                              module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_EQ(d->result.bare_lf_lines, 2u);
  EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"SIZE"}));
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kQuitLine}));  // we still send CRLF
  EXPECT_EQ(verdict_of(d->result, module), kSuccess);
}

TEST(ProberDialog, EhloReplyArrivingByteByByteIsParsed) {
  const auto module = test_module(1000ms);
  const auto d = probe_script(Script()
                                  .drip(kGreeting, 1ms)
                                  .expect_line()
                                  .drip("250-mx.example.org\r\n250-DSN\r\n250 CHUNKING\r\n", 1ms)
                                  .expect_line()
                                  .send(kBye),
                              module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"DSN", "CHUNKING"}));
  expect_silent_until(d->server, kGreeting.size());
}

TEST(ProberDialog, UnansweredQuitIsStillASuccess) {
  const auto module = test_module();
  const auto d =
      probe_script(Script().send(kGreeting).expect_line().send("250 mx\r\n").expect_line().pause(3000ms), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_GE(phase(d->result, Phase::quit), 0.9);  // waited for 221 a while (1s)...
  EXPECT_LT(phase(d->result, Phase::quit), 1.5);  // ...but not for long
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kQuitLine}));
  EXPECT_EQ(verdict_of(d->result, module), kSuccess);
}

TEST(ProberDialog, QuitAnsweredWithAnErrorIsStillASuccess) {
  const auto module = test_module();
  const auto d = probe_script(
      Script().send(kGreeting).expect_line().send("250 mx\r\n").expect_line().send("500 5.5.1 what?\r\n"), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_EQ(d->result.ehlo_code, 250);  // the QUIT reply does not overwrite it
  EXPECT_EQ(verdict_of(d->result, module), kSuccess);
}

TEST(ProberDialog, ExpectBannerNotMatchingFailsAfterACompleteDialog) {
  auto module = test_module();
  set_expect_banner(module, "Postfix");
  const auto d = probe_script(answering("250-mx\r\n250 PIPELINING\r\n"), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::banner_mismatch) << d->result.detail;
  EXPECT_EQ(d->result.ehlo_code, 250);
  EXPECT_TRUE(d->result.ehlo_latency_seconds);
  EXPECT_EQ(smtp::ehlo_keywords(d->result.ehlo_text), (Lines{"PIPELINING"}));
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kQuitLine}));  // still a polite goodbye
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::banner_mismatch, true));
}

TEST(ProberDialog, ExpectBannerIsMatchedAgainstTheFirstGreetingLine) {
  const Script script = Script()
                            .send("220-mx.example.org ESMTP first\r\n220 second line\r\n")
                            .expect_line()
                            .send("250 mx\r\n")
                            .expect_line()
                            .send(kBye);
  for (const auto& [regex, expected] :
       {std::pair{"^mx\\.example\\.org ESMTP first$", kSuccess},
        std::pair{"second", failed(Failure::banner_mismatch, true)}}) {
    SCOPED_TRACE(regex);
    auto module = test_module();
    set_expect_banner(module, regex);
    const auto d = probe_script(script, module);
    ASSERT_TRUE(d);
    EXPECT_EQ(verdict_of(d->result, module), expected) << d->result.detail;
  }
}

TEST(ProberDialog, TranscriptRecordsBothDirectionsWhenAskedFor) {
  const auto module = test_module();
  ProbeRun run;
  run.record_transcript = true;
  const auto d = probe_script(answering("250-mx.example.org\r\n250 STARTTLS\r\n"), module, run);
  ASSERT_TRUE(d);
  const auto& transcript = d->result.transcript;
  std::vector<std::string> sent;
  std::vector<std::string> received;
  double last = 0;
  for (const auto& line : transcript) {
    EXPECT_GE(line.at_seconds, last) << line.text;
    last = line.at_seconds;
    if (line.direction == '>') sent.push_back(line.text);
    if (line.direction == '<') received.push_back(line.text);
    EXPECT_TRUE(line.direction == '>' || line.direction == '<' || line.direction == '*') << line.direction;
  }
  EXPECT_EQ(sent, (Lines{"EHLO probe.example.org", "QUIT"}));
  EXPECT_EQ(received, (Lines{"220 mx.example.org ESMTP ready", "250-mx.example.org", "250 STARTTLS",
                             "221 2.0.0 bye"}));
}

TEST(ProberDialog, HardDeadlineShorterThanTwiceQosEndsTheProbe) {
  const auto module = test_module(1000ms, 5000ms);
  ProbeRun run;
  run.deadline_in = 300ms;
  const auto d = probe_script(Script().pause(3000ms), module, run);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::greeting_timeout) << d->result.detail;
  EXPECT_GE(d->result.total_seconds, 0.29);
  EXPECT_LT(d->result.total_seconds, 0.9);  // not 2 x QoS = 2s
  EXPECT_EQ(verdict_of(d->result, module), failed(Failure::greeting_timeout));
}

// The connect phase ends when the event loop notices the connection; the greeting is stamped
// by the kernel when it arrived. With the loop running late the greeting arrives "before" the
// connect ended: the connect is then clamped to the greeting's arrival, so the phases add up
// and none is negative. The loop stays away a whole second so that a scripted server itself
// slowed by a loaded machine still greets well before the loop comes back.
TEST(ProberDialog, PhasesAddUpWhenTheEventLoopRunsLate) {
  const auto module = test_module(1500ms, 4000ms);
  ProbeRun run;
  run.stall_loop = 1000ms;
  const auto d = probe_script(answering("250-mx.example.org\r\n250 8BITMIME\r\n"), module, run);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  ASSERT_EQ(r.failure, Failure::none) << r.detail;
  ASSERT_TRUE(r.ehlo_latency_seconds);
  for (std::size_t i = 0; i < prober::kPhaseCount; ++i) EXPECT_GE(r.phase_seconds[i], 0.0) << prober::kPhaseNames[i];
  const double phases = phase(r, Phase::connect) + phase(r, Phase::greeting) + phase(r, Phase::ehlo);
  EXPECT_LE(phases, *r.ehlo_latency_seconds + 1e-3);
  EXPECT_LT(phase(r, Phase::connect), 0.7);  // not the second the loop was away
}

// The transcript of such a probe reads at the stamps the phases use: the greeting at the end of
// the (clamped) connect phase, and the prober's "connected" note, made later by the late loop,
// moved back to it rather than the greeting moved forward.
TEST(ProberDialog, TranscriptUsesThePhasesStampsWhenTheEventLoopRunsLate) {
  const auto module = test_module(1500ms, 4000ms);
  ProbeRun run;
  run.stall_loop = 1000ms;
  run.record_transcript = true;
  const auto d = probe_script(answering("250-mx.example.org\r\n250 8BITMIME\r\n"), module, run);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  ASSERT_EQ(r.failure, Failure::none) << r.detail;
  const auto greeting = std::find_if(r.transcript.begin(), r.transcript.end(),
                                     [](const auto& line) { return line.direction == '<'; });
  ASSERT_NE(greeting, r.transcript.end());
  EXPECT_NEAR(greeting->at_seconds, phase(r, Phase::resolve) + phase(r, Phase::connect), 1e-3);
  double last = 0;
  for (const auto& line : r.transcript) {
    EXPECT_GE(line.at_seconds, last) << line.text;
    last = line.at_seconds;
  }
}

}  // namespace
}  // namespace smtp_exporter::test
