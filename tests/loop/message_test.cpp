// The loop's message: the token, what is sent, and what is read back from a received header.
#include "loop/message.hpp"

#include <gtest/gtest.h>

#include "smtp/command.hpp"

namespace smtp_exporter::loop {
namespace {

const Token kToken{"mon1.example.net", "example-org", 1764650000123, 7, 1764650300};

TEST(LoopToken, WrittenAndReadBack) {
  const std::string text = token_text(kToken);
  EXPECT_EQ(text, "instance=mon1.example.net; loop=example-org; run=1764650000123; seq=7; sent=1764650300");
  EXPECT_EQ(parse_token(text), kToken);
  EXPECT_TRUE(text.starts_with(token_prefix("mon1.example.net", "example-org")));
  // Folded or spaced differently by a server on the way: still read.
  EXPECT_EQ(parse_token("instance=mon1.example.net;loop=example-org;  run=1764650000123; seq=7;\tsent=1764650300"),
            kToken);
}

TEST(LoopToken, AnythingElseIsNotAToken) {
  for (const char* text :
       {"", "instance=a; loop=b; run=1; seq=2", "instance=a; loop=b; run=1; seq=2; sent=x",
        "instance=a; loop=b; run=1; seq=2; sent=3; extra=4", "instance=; loop=b; run=1; seq=2; sent=3", "hello",
        "instance=a; loop=b; run=-1; seq=2; sent=3"}) {
    EXPECT_FALSE(parse_token(text)) << text;
  }
}

TEST(LoopMessage, HasTheHeadersTheIssueNamesAndGoesThroughData) {
  const std::string message = compose({"probe@monitor.example.net", "probe@example.org", kToken, "mon1.example.net"});
  for (const char* header :
       {"From: smtp_exporter <probe@monitor.example.net>\r\n", "To: <probe@example.org>\r\n",
        "Date: Tue, 02 Dec 2025 04:38:20 +0000\r\n",
        "Message-ID: <smtp-exporter.1764650000123.7.example-org@mon1.example.net>\r\n",
        "Subject: smtp_exporter mail loop example-org #7\r\n",
        "X-Smtp-Exporter-Probe: instance=mon1.example.net; loop=example-org; run=1764650000123; seq=7; "
        "sent=1764650300\r\n"}) {
    EXPECT_NE(message.find(header), std::string::npos) << header << message;
  }
  EXPECT_NE(message.find("\r\n\r\n"), std::string::npos);
  // The header read back finds the token.
  EXPECT_EQ(read_header(message).token, kToken);
  // Every line ends in CRLF and the DATA form only adds the end mark.
  EXPECT_EQ(smtp::data_text(message), message + ".\r\n");
}

TEST(LoopHeader, ReceivedDatesAndAuthenticationResults) {
  const std::string header =
      "Return-Path: <probe@example.org>\r\n"
      "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org;\r\n"
      "\tdkim=pass (2048-bit key) header.d=example.org header.s=probe;\r\n"
      " dmarc=FAIL (p=reject) header.from=example.org\r\n"
      "Received: from mx.example.org by imap.example.org with LMTP; Tue, 1 Dec 2026 10:00:07 +0100 (CET)\r\n"
      "Authentication-Results: relay.example.net; spf=fail\r\n"
      "Received: from monitor.example.net (monitor [192.0.2.1])\r\n"
      "\tby mx.example.org (Postfix) with ESMTPS id 4ABC;\r\n"
      "\tTue, 01 Dec 2026 09:00:02 +0000\r\n"
      "X-Smtp-Exporter-Probe: " + token_text(kToken) + "\r\n"
      "\r\n"
      "Received: in the body: not a header; Tue, 01 Dec 2026 09:00:00 +0000\r\n";
  const HeaderFacts facts = read_header(header);
  EXPECT_EQ(facts.token, kToken);
  ASSERT_TRUE(facts.first_received && facts.last_received);
  EXPECT_EQ(*facts.last_received - *facts.first_received, 5);  // 09:00:07Z - 09:00:02Z
  // The topmost Authentication-Results only: the nearest receiver's verdicts.
  EXPECT_EQ(facts.auth_results,
            (std::map<std::string, std::string>{{"spf", "pass"}, {"dkim", "pass"}, {"dmarc", "fail"}}));
}

// Verdicts become label values: only RFC 8601 keywords pass, nothing 8-bit or odd.
TEST(LoopHeader, OnlyKeywordVerdicts) {
  const HeaderFacts facts = read_header(
      "Authentication-Results: mx; spf=pass; dkim=\xff\xfe; x\"y=z; dmarc=" + std::string(40, 'a') +
      "; arc=none\r\n\r\n");
  EXPECT_EQ(facts.auth_results, (std::map<std::string, std::string>{{"spf", "pass"}, {"arc", "none"}}));
}

TEST(LoopHeader, WithoutTheFactsNothingIsMadeUp) {
  const HeaderFacts facts = read_header("Subject: hello\nAuthentication-Results: mx.example.org; none\n\n");
  EXPECT_FALSE(facts.token);
  EXPECT_FALSE(facts.first_received);
  EXPECT_TRUE(facts.auth_results.empty());
}

TEST(LoopDate, Rfc5322DatesAndTheirZones) {
  EXPECT_EQ(parse_date("Thu, 1 Jan 1970 00:00:00 +0000"), 0);
  EXPECT_EQ(parse_date("1 Jan 1970 01:00:00 +0100"), 0);
  EXPECT_EQ(parse_date("Wed, 31 Dec 1969 19:00 EST"), 0);
  EXPECT_EQ(parse_date("Thu, 01 Jan 70 00:00:10 GMT (comment)"), 10);
  EXPECT_EQ(parse_date(" Tue, 1 Dec 2026 10:00:07 +0100 (CET)"), parse_date("Tue, 01 Dec 2026 09:00:07 +0000"));
  for (const char* text : {"", "yesterday", "Tue, 32 Dec 2026 10:00:00 +0000", "1 Foo 2026 10:00:00 +0000",
                           "1 Dec 2026 25:00:00 +0000", "1 Dec 2026 10:00 +01"}) {
    EXPECT_FALSE(parse_date(text)) << text;
  }
  EXPECT_EQ(format_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(parse_date(format_date(1764650300)), 1764650300);
}

}  // namespace
}  // namespace smtp_exporter::loop
