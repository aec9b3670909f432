// The prober against a real SMTP server: Postfix's smtp-sink, started per test on a free port.
#include <gtest/gtest.h>

#include <algorithm>

#include "prober/probe_harness.hpp"
#include "prober/smtp_sink.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::test {
namespace {

using namespace std::chrono_literals;

// Every test starts its own smtp-sink with the options it needs; none runs without one.
class ProberSmtpSink : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SmtpSink::installed()) GTEST_SKIP() << kSmtpSinkPath << " is not installed (Debian package postfix)";
  }
};

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST_F(ProberSmtpSink, HealthySession) {
  SmtpSink sink;
  ASSERT_TRUE(sink.running()) << sink.why_not();
  const auto module = test_module();
  const auto r = run_probe(module, to(sink.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::none) << r->detail;
  EXPECT_EQ(r->greeting_code, 220);
  EXPECT_EQ(r->ehlo_code, 250);
  for (const char* keyword : {"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN", "AUTH", "XCLIENT"}) {
    EXPECT_TRUE(has(smtp::ehlo_keywords(r->ehlo_text), keyword)) << keyword;
  }
  EXPECT_EQ(r->bare_lf_lines, 0u);
  EXPECT_EQ(verdict_of(*r, module), kSuccess);
}

TEST_F(ProberSmtpSink, SlowEhloIsAQosWarning) {
  SmtpSink sink({"-W", "EHLO:1"});
  ASSERT_TRUE(sink.running()) << sink.why_not();  // smtp-sink delays in whole seconds
  const auto module = test_module(700ms, 3000ms);
  const auto r = run_probe(module, to(sink.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::none) << r->detail;
  ASSERT_TRUE(r->ehlo_latency_seconds);
  EXPECT_GE(*r->ehlo_latency_seconds, 0.99);
  EXPECT_EQ(verdict_of(*r, module), kQosWarning);
}

TEST_F(ProberSmtpSink, EhloRefusals) {
  struct Case {
    std::vector<std::string> options;
    int code;
  };
  auto module = test_module();
  module.helo_fallback = false;
  for (const auto& c : {Case{{"-Q", "EHLO"}, 421}, Case{{"-r", "EHLO"}, 450}, Case{{"-f", "EHLO"}, 500}}) {
    SCOPED_TRACE(c.options.front());
    SmtpSink sink(c.options);
    ASSERT_TRUE(sink.running()) << sink.why_not();
    const auto r = run_probe(module, to(sink.port()));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->failure, Failure::ehlo_rejected) << r->detail;
    EXPECT_EQ(r->ehlo_code, c.code);
    EXPECT_EQ(verdict_of(*r, module), failed(Failure::ehlo_rejected));
  }
}

TEST_F(ProberSmtpSink, EhloRejectedPermanentlyFallsBackToHelo) {
  SmtpSink sink({"-f", "EHLO"});  // 500 5.3.0
  ASSERT_TRUE(sink.running()) << sink.why_not();
  const auto module = test_module();
  const auto r = run_probe(module, to(sink.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::none) << r->detail;
  EXPECT_TRUE(r->helo_fallback);
  EXPECT_EQ(r->ehlo_code, 250);
  EXPECT_EQ(verdict_of(*r, module), kSuccess);
}

TEST_F(ProberSmtpSink, DisconnectAtEhloIsAProtocolError) {
  SmtpSink sink({"-q", "EHLO"});
  ASSERT_TRUE(sink.running()) << sink.why_not();
  const auto module = test_module();
  const auto r = run_probe(module, to(sink.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::protocol_error) << r->detail;
  EXPECT_EQ(r->greeting_code, 220);
  EXPECT_EQ(verdict_of(*r, module), failed(Failure::protocol_error));
}

}  // namespace
}  // namespace smtp_exporter::test
