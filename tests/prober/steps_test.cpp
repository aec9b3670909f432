// The module's configured steps (MAIL FROM, RCPT TO, RSET, AUTH) against the scripted server:
// the step records, the driver's stop rules, and the misbehaviour real servers will not show
// on demand (a 421 mid-transaction, a reply cut short, a slow RCPT, 251, 450, a multi-line 535).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "prober/probe_harness.hpp"
#include "smtp/sasl.hpp"

namespace smtp_exporter::test {
namespace {

using namespace std::chrono_literals;
using prober::Outcome;
using prober::StepKind;

const std::string kGreeting = "220 mx.example.org ESMTP ready\r\n";
const std::string kEhloReply = "250-mx.example.org\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n";
const std::string kOk = "250 2.1.0 Ok\r\n";
const std::string kBye = "221 2.0.0 bye\r\n";

config::Step step(StepKind kind, std::string name, std::string address = {},
                  config::Expect expect = config::Expect::accept) {
  config::Step s;
  s.kind = kind;
  s.name = std::move(name);
  s.address = std::move(address);
  s.expect = expect;
  return s;
}

config::Step auth(std::string mechanism_name, config::Expect expect = config::Expect::accept) {
  config::Step s = step(StepKind::auth, "auth");
  s.username = "probe@example.org";
  s.password = "s3cret-Pass";
  s.allow_plaintext = true;  // the scripted server speaks no TLS
  s.expect = expect;
  s.mechanism = mechanism_name == "PLAIN"   ? config::AuthMechanism::plain
                : mechanism_name == "LOGIN" ? config::AuthMechanism::login
                                            : config::AuthMechanism::automatic;
  return s;
}

// A module with MAIL FROM, RCPT TO the local postmaster, RCPT TO a foreign address that must be
// refused, and RSET.
config::Module transaction_module() {
  auto module = test_module();
  module.steps = {step(StepKind::mail_from, "mail_from", "probe@example.org"),
                  step(StepKind::rcpt_to, "rcpt_to", "postmaster@example.org"),
                  step(StepKind::rcpt_to, "relay", "someone@example.net", config::Expect::reject),
                  step(StepKind::rset, "rset")};
  return module;
}

// Greeting and EHLO, then the server's answers to each command in `answers`.
Script transaction(const std::vector<std::string>& answers) {
  Script script;
  script.send(kGreeting).expect_line().send(kEhloReply);
  for (const auto& answer : answers) script.expect_line().send(answer);
  return script;
}

TEST(ProberSteps, TransactionAsExpectedRecordsEveryStepAndSendsRsetThenQuit) {
  const auto module = transaction_module();
  const auto d = probe_script(
      transaction({kOk, "250 2.1.5 Ok\r\n", "554 5.7.1 <someone@example.net>: Relay access denied\r\n",
                   "250 2.0.0 Ok\r\n", kBye}),
      module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << r.detail;
  EXPECT_EQ(verdict_of(r, module), kSuccess);
  ASSERT_EQ(r.steps.size(), 4u);
  EXPECT_EQ(r.steps[0].name, "mail_from");
  EXPECT_EQ(r.steps[0].reply_code, 250);
  EXPECT_EQ(r.steps[0].enhanced_code, "2.1.0");
  EXPECT_EQ(r.steps[2].name, "relay");
  EXPECT_EQ(r.steps[2].kind, StepKind::rcpt_to);
  EXPECT_EQ(r.steps[2].reply_code, 554);
  EXPECT_EQ(r.steps[2].enhanced_code, "5.7.1");
  for (const auto& s : r.steps) EXPECT_EQ(s.outcome, Outcome::as_expected) << s.name;
  EXPECT_EQ(d->server.lines,
            (std::vector<std::string>{"EHLO probe.example.org\r\n", "MAIL FROM:<probe@example.org>\r\n",
                                      "RCPT TO:<postmaster@example.org>\r\n", "RCPT TO:<someone@example.net>\r\n",
                                      "RSET\r\n", "QUIT\r\n"}));
}

// The mail loop's transaction: MAIL FROM, RCPT TO, DATA with its message.
config::Module data_module(std::string message) {
  auto module = test_module();
  config::Step data = step(StepKind::data, "data");
  data.message = std::move(message);
  module.steps = {step(StepKind::mail_from, "mail_from", "probe@example.org"),
                  step(StepKind::rcpt_to, "rcpt_to", "probe@example.org"), data};
  return module;
}

TEST(ProberSteps, DataSendsTheMessageDotStuffedAndTakesThe250AfterTheDot) {
  const auto module = data_module("Subject: loop\r\n\r\n.a line with a dot\nlast line");
  Script script;
  script.send(kGreeting).expect_line().send(kEhloReply);
  script.expect_line().send(kOk).expect_line().send("250 2.1.5 Ok\r\n");
  script.expect_line().send("354 End data with <CR><LF>.<CR><LF>\r\n");
  for (int i = 0; i < 5; ++i) script.expect_line();  // four lines of the message, then the end mark
  script.send("250 2.0.0 Ok: queued as 4ABC\r\n").expect_line().send(kBye);
  const auto d = probe_script(script, module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << r.detail;
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(r.steps[2].kind, StepKind::data);
  EXPECT_EQ(r.steps[2].outcome, Outcome::as_expected);
  EXPECT_EQ(r.steps[2].reply_code, 250);
  EXPECT_EQ(r.steps[2].enhanced_code, "2.0.0");
  EXPECT_EQ(d->server.lines,
            (std::vector<std::string>{"EHLO probe.example.org\r\n", "MAIL FROM:<probe@example.org>\r\n",
                                      "RCPT TO:<probe@example.org>\r\n", "DATA\r\n", "Subject: loop\r\n", "\r\n",
                                      "..a line with a dot\r\n", "last line\r\n", ".\r\n", "QUIT\r\n"}));
}

TEST(ProberSteps, DataRefusedBeforeOrAfterTheMessage) {
  const auto module = data_module("Subject: loop\r\n\r\nbody\r\n");
  // 451 to DATA itself: no message is sent.
  auto d = probe_script(transaction({kOk, kOk, "451 4.3.0 Try again later\r\n", kBye}), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::data_rejected);
  EXPECT_EQ(d->result.steps[2].reply_code, 451);
  EXPECT_EQ(d->server.lines.back(), "QUIT\r\n");
  // 554 after the dot: the message was refused (a content filter, say).
  Script script = transaction({kOk, kOk, "354 go ahead\r\n"});
  for (int i = 0; i < 4; ++i) script.expect_line();
  script.send("554 5.7.1 Message rejected as spam\r\n").expect_line().send(kBye);
  d = probe_script(script, module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::data_rejected);
  EXPECT_EQ(d->result.steps[2].reply_code, 554);
  EXPECT_EQ(d->result.steps[2].enhanced_code, "5.7.1");
  EXPECT_NE(d->result.detail.find("554"), std::string::npos) << d->result.detail;
}

TEST(ProberSteps, AcceptedForeignRecipientIsAnOpenRelayAndStopsTheDialog) {
  const auto module = transaction_module();
  const auto d = probe_script(transaction({kOk, kOk, "250 2.1.5 Ok\r\n", kBye}), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::rcpt_accepted);
  EXPECT_EQ(verdict_of(r, module), failed(Failure::rcpt_accepted, true));
  ASSERT_EQ(r.steps.size(), 3u);  // RSET never ran
  EXPECT_EQ(r.steps[2].outcome, Outcome::unexpected);
  EXPECT_EQ(d->server.lines.back(), "QUIT\r\n");
}

TEST(ProberSteps, RefusedAndDeferredRecipients) {
  auto module = test_module();
  module.steps = {step(StepKind::mail_from, "mail_from", ""), step(StepKind::rcpt_to, "rcpt_to", "unknown@example.org")};
  auto d = probe_script(transaction({kOk, "550 5.1.1 <unknown@example.org>: Recipient address rejected\r\n", kBye}),
                        module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::rcpt_rejected);
  EXPECT_EQ(d->result.steps[1].reply_code, 550);
  EXPECT_EQ(d->server.lines[1], "MAIL FROM:<>\r\n");

  d = probe_script(transaction({kOk, "450 4.7.1 greylisted, try again later\r\n", kBye}), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::rcpt_deferred);

  module.steps[1].expect = config::Expect::defer;  // greylisting is what this check expects
  d = probe_script(transaction({kOk, "450 4.7.1 greylisted, try again later\r\n", kBye}), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;

  module.steps[1].expect = config::Expect::accept;  // 251: will forward, an acceptance too
  d = probe_script(transaction({kOk, "251 2.1.5 User not local; will forward\r\n", kBye}), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
}

TEST(ProberSteps, MailFromRefused) {
  auto module = test_module();
  module.steps = {step(StepKind::mail_from, "mail_from", "probe@example.org")};
  const auto d = probe_script(transaction({"553 5.7.1 Sender address rejected\r\n", kBye}), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::mail_from_rejected);
  EXPECT_EQ(d->result.steps[0].enhanced_code, "5.7.1");
}

TEST(ProberSteps, ServerClosingWith421MidTransactionIsNotAskedToQuit) {
  const auto module = transaction_module();
  const auto d = probe_script(
      transaction({kOk, "421 4.3.2 Service shutting down, closing transmission channel\r\n"}).close(), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::rcpt_deferred);
  EXPECT_TRUE(d->result.steps.back().server_closing);
  EXPECT_NE(d->server.lines.back(), "QUIT\r\n");
}

TEST(ProberSteps, ReplyCutAfterTheCodeIsAProtocolError) {
  const auto module = transaction_module();
  const auto d = probe_script(transaction({kOk, "250"}).close(), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::protocol_error);
  EXPECT_EQ(d->result.steps.back().outcome, Outcome::protocol_error);
}

TEST(ProberSteps, SlowRecipientRunsIntoTheModuleTimeoutNotTheQosCutoff) {
  auto module = test_module(100ms, 1500ms);  // QoS cutoff 200 ms; the steps have the 1.5 s timeout
  module.steps = {step(StepKind::mail_from, "mail_from", "probe@example.org"),
                  step(StepKind::rcpt_to, "rcpt_to", "postmaster@example.org")};
  // MAIL FROM answered after 400 ms: past the cutoff, within the timeout.
  Script script;
  script.send(kGreeting).expect_line().send(kEhloReply).expect_line().pause(400ms).send(kOk);
  script.expect_line().pause(3000ms).send(kOk);  // RCPT TO: too late
  const auto d = probe_script(script, module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::step_timeout) << d->result.detail;
  ASSERT_EQ(d->result.steps.size(), 2u);
  EXPECT_EQ(d->result.steps[0].outcome, Outcome::as_expected);
  EXPECT_EQ(d->result.steps[1].outcome, Outcome::timeout);
  EXPECT_TRUE(d->result.ehlo_latency_seconds);
}

TEST(ProberSteps, AuthPlainSendsOneLineAndRedactsItInTheTranscript) {
  auto module = test_module();
  module.steps = {auth("PLAIN")};
  ProbeRun run;
  run.record_transcript = true;
  const auto d = probe_script(transaction({"235 2.7.0 Authentication successful\r\n", kBye}), module, run);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  const std::string plain = smtp::base64_encode(std::string("\0probe@example.org\0s3cret-Pass", 30));
  EXPECT_EQ(d->server.lines[1], "AUTH PLAIN " + plain + "\r\n");
  for (const auto& line : d->result.transcript) {
    EXPECT_EQ(line.text.find(plain), std::string::npos) << line.text;
    EXPECT_EQ(line.text.find("s3cret"), std::string::npos) << line.text;
  }
  EXPECT_TRUE(d->result.auth_offered_before_tls);
}

TEST(ProberSteps, AuthLoginAnswersBothPromptsAndAMultiLine535IsARefusal) {
  auto module = test_module();
  module.steps = {auth("LOGIN")};
  const auto d = probe_script(transaction({"334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n",
                                           "535-5.7.8 Error: authentication failed:\r\n535 5.7.8 bad password\r\n",
                                           kBye}),
                              module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::auth_rejected);
  EXPECT_EQ(d->result.steps[0].reply_code, 535);
  EXPECT_EQ(d->result.steps[0].enhanced_code, "5.7.8");
  EXPECT_EQ(d->server.lines[1], "AUTH LOGIN\r\n");
  EXPECT_EQ(d->server.lines[2], smtp::base64_encode("probe@example.org") + "\r\n");
  EXPECT_EQ(d->server.lines[3], smtp::base64_encode("s3cret-Pass") + "\r\n");
}

TEST(ProberSteps, WrongPasswordExpectedToBeRefused) {
  auto module = test_module();
  module.steps = {auth("auto", config::Expect::reject)};
  auto d = probe_script(transaction({"535 5.7.8 Error: authentication failed\r\n", kBye}), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  d = probe_script(transaction({"235 2.7.0 Authentication successful\r\n", kBye}), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::auth_accepted);
}

TEST(ProberSteps, AuthNotAdvertised) {
  auto module = test_module();
  module.steps = {auth("auto")};
  Script script;
  script.send(kGreeting).expect_line().send("250-mx.example.org\r\n250 8BITMIME\r\n").expect_line().send(kBye);
  const auto d = probe_script(script, module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::auth_not_offered);
  EXPECT_FALSE(d->result.auth_offered_before_tls);
  EXPECT_EQ(d->server.lines.back(), "QUIT\r\n");  // nothing was sent for AUTH
  EXPECT_EQ(d->server.lines.size(), 2u);
}

TEST(ProberSteps, AuthWithoutTlsIsNeverSentUnlessAllowed) {
  auto module = test_module();
  module.steps = {auth("PLAIN")};
  module.steps[0].allow_plaintext = false;
  Script script;
  script.send(kGreeting).expect_line().send(kEhloReply).expect_line().send(kBye);
  const auto d = probe_script(script, module);
  ASSERT_TRUE(d);
  EXPECT_NE(d->result.failure, Failure::none);
  for (const auto& line : d->server.lines) EXPECT_EQ(line.find("AUTH"), std::string::npos) << line;
}

TEST(ProberSteps, LmtpSaysLhloAndNeverFallsBackToHelo) {
  auto module = test_module();
  module.protocol = config::Protocol::lmtp;
  Script script;
  script.send("220 lmtp.example.org LMTP ready\r\n").expect_line().send("500 5.5.1 what?\r\n").expect_line().send(kBye);
  const auto d = probe_script(script, module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->server.lines.front(), "LHLO probe.example.org\r\n");
  EXPECT_EQ(d->result.failure, Failure::ehlo_rejected);
  EXPECT_FALSE(d->result.helo_fallback);
}

}  // namespace
}  // namespace smtp_exporter::test
