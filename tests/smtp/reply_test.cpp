#include "smtp/reply.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtp_exporter::smtp {
namespace {

using Status = ReplyParser::Status;

struct Parsed {
  Status status;
  Reply reply;
  std::string error;
  std::size_t consumed = 0;
  std::size_t bare_lf = 0;
};

// Feeds the whole input at once, or one byte at a time.
Parsed parse(std::string_view input, bool bytewise = false, ReplyLimits limits = {}) {
  ReplyParser p(limits);
  Parsed out{Status::need_more, {}, {}, 0, 0};
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::size_t len = bytewise ? 1 : input.size() - pos;
    std::size_t used = 0;
    out.status = p.feed(input.substr(pos, len), used);
    pos += used;
    if (out.status != Status::need_more) break;
  }
  out.consumed = pos;
  out.bare_lf = p.bare_lf_count();
  if (out.status == Status::complete) out.reply = p.take();
  if (out.status == Status::error) out.error = p.error();
  return out;
}

TEST(ReplyParser, SingleLine) {
  const auto r = parse("220 mx.example.org ESMTP\r\n");
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.reply.code, 220);
  EXPECT_EQ(r.reply.text, "mx.example.org ESMTP\n");
  EXPECT_EQ(first_line(r.reply.text), "mx.example.org ESMTP");
}

TEST(ReplyParser, MultiLineStopsAtFinalLine) {
  const std::string input = "250-mx.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n221 bye\r\n";
  for (bool bytewise : {false, true}) {
    const auto r = parse(input, bytewise);
    ASSERT_EQ(r.status, Status::complete);
    EXPECT_EQ(r.reply.code, 250);
    EXPECT_EQ(r.reply.text, "mx.example.org\nPIPELINING\nSTARTTLS\n");
    EXPECT_EQ(reply_lines(r.reply.text), (std::vector<std::string_view>{"mx.example.org", "PIPELINING", "STARTTLS"}));
    EXPECT_EQ(r.consumed, input.size() - std::string("221 bye\r\n").size());
  }
}

TEST(ReplyParser, BareCodeAndEmptyText) {
  for (const char* input : {"250\r\n", "250 \r\n"}) {
    const auto r = parse(input);
    ASSERT_EQ(r.status, Status::complete) << input;
    EXPECT_EQ(r.reply.code, 250);
    EXPECT_EQ(r.reply.text, "\n");
    EXPECT_EQ(reply_lines(r.reply.text), std::vector<std::string_view>{""});
  }
}

TEST(ReplyParser, BareLfAcceptedAndCounted) {
  const auto r = parse("250-a\n250-b\r\n250 c\n");
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.reply.text, "a\nb\nc\n");
  EXPECT_EQ(r.bare_lf, 2u);
}

TEST(ReplyParser, NeedsMoreUntilFinalLine) {
  EXPECT_EQ(parse("220-teaser\r\n").status, Status::need_more);
  EXPECT_EQ(parse("220 cut off mid-li").status, Status::need_more);
}

TEST(ReplyParser, MismatchedCodesAreAnError) {
  const auto r = parse("250-a\r\n251 b\r\n");
  ASSERT_EQ(r.status, Status::error);
  EXPECT_EQ(r.error, "reply code changed within one reply (250 then 251)");
}

TEST(ReplyParser, MalformedLines) {
  EXPECT_EQ(parse("hello\r\n").status, Status::error);
  EXPECT_EQ(parse("25\r\n").status, Status::error);
  EXPECT_EQ(parse("2500 x\r\n").status, Status::error);
  EXPECT_EQ(parse("650 x\r\n").status, Status::error);
  EXPECT_EQ(parse("250x\r\n").status, Status::error);
  EXPECT_EQ(parse(std::string("\0\0\0\r\n", 5)).status, Status::error);
}

TEST(ReplyParser, OverlongLineIsCappedWithoutWaitingForItsEnd) {
  ReplyLimits limits;
  limits.max_line = 100;
  const auto r = parse("250 " + std::string(200, 'x'), false, limits);
  ASSERT_EQ(r.status, Status::error);
  EXPECT_EQ(r.error, "reply line longer than 100 octets");
  const auto bytewise = parse("250 " + std::string(200, 'x'), true, limits);
  EXPECT_EQ(bytewise.status, Status::error);
  EXPECT_LE(bytewise.consumed, 101u);
}

TEST(ReplyParser, OversizedReplyIsCapped) {
  std::string input;
  for (int i = 0; i < 2000; ++i) input += "250-continuation line\r\n";
  const auto r = parse(input);
  ASSERT_EQ(r.status, Status::error);
  EXPECT_NE(r.error.find("reply larger than"), std::string::npos);
  ReplyLimits small;
  small.max_reply = 64;
  EXPECT_EQ(parse("250-" + std::string(40, 'a') + "\r\n250 " + std::string(40, 'b') + "\r\n", false, small).status,
            Status::error);
}

TEST(ReplyParser, TakeResetsForTheNextReply) {
  ReplyParser p;
  std::size_t used = 0;
  const std::string input = "220 hi\r\n250 ok\r\n";
  ASSERT_EQ(p.feed(input, used), Status::complete);
  EXPECT_EQ(p.take().code, 220);
  ASSERT_EQ(p.feed(std::string_view(input).substr(used), used), Status::complete);
  EXPECT_EQ(p.take().code, 250);
}

TEST(EhloKeywords, FromEveryLineButTheFirst) {
  const std::string text =
      "mx.example.org greets you\nPIPELINING\nsize 10240000\n 8bitmime\nAUTH=LOGIN\nAUTH LOGIN PLAIN\n\n-bad\n"
      "ENHANCEDSTATUSCODES\nSTARTTLS\n";
  EXPECT_EQ(ehlo_keywords(text), (std::vector<std::string>{"PIPELINING", "SIZE", "8BITMIME", "AUTH",
                                                         "ENHANCEDSTATUSCODES", "STARTTLS"}));
}

TEST(EhloKeywords, SingleLineReplyHasNone) {
  EXPECT_TRUE(ehlo_keywords("mx.example.org\n").empty());
  EXPECT_TRUE(ehlo_keywords("").empty());
}

}  // namespace
}  // namespace smtp_exporter::smtp
