// The IMAP response parser: whole responses from any split of the bytes, literals in place, the
// caps, and the parts a client reads (status, items, astring).
#include "imap/response.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smtp_exporter::imap {
namespace {

struct Parsed {
  std::vector<Response> responses;
  std::string error;
  std::size_t left = 0;  // bytes not consumed
};

// Feeds `bytes` in pieces of `piece` bytes, taking every complete response.
Parsed parse(const std::string& bytes, std::size_t piece = 1 << 20, ResponseLimits limits = {}) {
  ResponseParser parser(limits);
  Parsed out;
  std::string pending;
  std::size_t offset = 0;
  while (offset < bytes.size() || !pending.empty()) {
    if (offset < bytes.size()) {
      const std::size_t n = std::min(piece, bytes.size() - offset);
      pending += bytes.substr(offset, n);
      offset += n;
    }
    std::size_t used = 0;
    const auto status = parser.feed(pending, used);
    pending.erase(0, used);
    if (status == ResponseParser::Status::error) {
      out.error = parser.error();
      return out;
    }
    if (status == ResponseParser::Status::complete) {
      out.responses.push_back(parser.take());
    } else if (offset == bytes.size()) {
      break;
    }
  }
  out.left = pending.size();
  return out;
}

TEST(ImapResponse, UntaggedTaggedAndContinuation) {
  const auto p = parse("* 3 EXISTS\r\n+ idling\r\na1 OK [READ-WRITE] SELECT completed\r\n+\r\n");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.responses.size(), 4u);
  EXPECT_EQ(p.responses[0].kind, Response::Kind::untagged);
  EXPECT_EQ(p.responses[0].line, "3 EXISTS");
  EXPECT_EQ(p.responses[1].kind, Response::Kind::continuation);
  EXPECT_EQ(p.responses[1].line, "idling");
  EXPECT_EQ(p.responses[2].kind, Response::Kind::tagged);
  EXPECT_EQ(p.responses[2].tag, "a1");
  EXPECT_EQ(p.responses[2].line, "OK [READ-WRITE] SELECT completed");
  EXPECT_EQ(p.responses[3].kind, Response::Kind::continuation);
  EXPECT_EQ(p.responses[3].line, "");
}

TEST(ImapResponse, LiteralsStayInPlaceWhateverTheSplit) {
  const std::string header = "Subject: probe\r\nX-Smtp-Exporter-Probe: t1\r\n\r\n";
  const std::string bytes = "* 12 FETCH (UID 7 BODY[HEADER] {" + std::to_string(header.size()) + "}\r\n" + header +
                            " FLAGS (\\Seen))\r\na4 OK FETCH completed\r\n";
  for (const std::size_t piece : {1u, 2u, 7u, 64u, 4096u}) {
    SCOPED_TRACE(piece);
    const auto p = parse(bytes, piece);
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.responses.size(), 2u);
    EXPECT_EQ(p.responses[0].line, "12 FETCH (UID 7 BODY[HEADER] {" + std::to_string(header.size()) + "} FLAGS (\\Seen))");
    ASSERT_EQ(p.responses[0].literals, std::vector<std::string>{header});
    EXPECT_EQ(p.responses[1].tag, "a4");
  }
}

TEST(ImapResponse, EmptyAndNonSynchronisingLiterals) {
  const auto p = parse("* 1 FETCH (BODY[] {0}\r\n UID 9 X {3+}\r\nabc)\r\n");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.responses.size(), 1u);
  EXPECT_EQ(p.responses[0].literals, (std::vector<std::string>{"", "abc"}));
}

TEST(ImapResponse, WaitsForTheRestOfALineAndOfALiteral) {
  auto p = parse("* 2 EXI");
  EXPECT_TRUE(p.responses.empty());
  EXPECT_EQ(p.error, "");
  p = parse("* 1 FETCH (BODY[] {10}\r\nabc");
  EXPECT_TRUE(p.responses.empty());
  EXPECT_EQ(p.error, "");
}

TEST(ImapResponse, CapsHold) {
  ResponseLimits limits;
  limits.max_line = 64;
  limits.max_literal = 16;
  limits.max_literals = 2;
  EXPECT_NE(parse("* OK " + std::string(100, 'x') + "\r\n", 1 << 20, limits).error, "");
  EXPECT_NE(parse("* OK " + std::string(100, 'x'), 7, limits).error, "") << "a line without end is cut too";
  EXPECT_NE(parse("* 1 FETCH (BODY[] {17}\r\n", 1 << 20, limits).error, "");
  EXPECT_NE(parse("* 1 FETCH (BODY[] {99999999999}\r\n", 1 << 20, limits).error, "") << "no literal of 100 GB";
  EXPECT_NE(parse("* X {1}\r\na {1}\r\nb {1}\r\nc)\r\n", 1 << 20, limits).error, "");
  EXPECT_EQ(parse("* X {16}\r\n" + std::string(16, 'y') + ")\r\n", 1 << 20, limits).error, "");
}

TEST(ImapResponse, NotImapIsAnError) {
  for (const char* bytes : {"220-smtp.example.org\r\n", "\r\n", " * OK\r\n", "a+b OK\r\n", "*OK\r\n"}) {
    SCOPED_TRACE(bytes);
    EXPECT_NE(parse(bytes).error, "");
  }
}

TEST(ImapResponse, StatusOfTaggedAndUntaggedResponses) {
  const auto p = parse(
      "a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n* BYE shutting down\r\n"
      "* OK [UIDNEXT 8] Predicted next UID\r\na3 ok done\r\n* 3 EXISTS\r\n+ go on\r\n");
  ASSERT_EQ(p.responses.size(), 6u);
  auto s = status_of(p.responses[0]);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "NO");
  EXPECT_EQ(s->code, "AUTHENTICATIONFAILED");
  EXPECT_EQ(s->text, "Authentication failed.");
  s = status_of(p.responses[1]);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "BYE");
  EXPECT_EQ(s->text, "shutting down");
  s = status_of(p.responses[2]);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->code, "UIDNEXT");
  EXPECT_EQ(s->code_args, "8");
  s = status_of(p.responses[3]);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "OK");
  EXPECT_FALSE(status_of(p.responses[4]));
  EXPECT_FALSE(status_of(p.responses[5]));
}

TEST(ImapResponse, ItemsOfAFetchWithAListAStringAndNil) {
  const auto p = parse("* 12 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT DATE)] {5}\r\nhello FLAGS (\\Seen) X \"a \\\"b\\\" c\" Y NIL)\r\n");
  ASSERT_EQ(p.responses.size(), 1u);
  std::string why;
  const auto items = items_of(p.responses[0], &why);
  ASSERT_TRUE(items) << why;
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].text, "12");
  EXPECT_EQ((*items)[1].text, "FETCH");
  const Item& list = (*items)[2];
  ASSERT_EQ(list.type, Item::Type::list);
  ASSERT_EQ(list.items.size(), 10u);
  EXPECT_EQ(list.items[0].text, "UID");
  EXPECT_EQ(list.items[1].text, "7");
  EXPECT_EQ(list.items[2].text, "BODY[HEADER.FIELDS (SUBJECT DATE)]");
  EXPECT_EQ(list.items[3].type, Item::Type::string);
  EXPECT_EQ(list.items[3].text, "hello");
  EXPECT_EQ(list.items[5].type, Item::Type::list);
  EXPECT_EQ(list.items[5].items.at(0).text, "\\Seen");
  EXPECT_EQ(list.items[7].text, "a \"b\" c");
  EXPECT_EQ(list.items[9].type, Item::Type::nil);
}

TEST(ImapResponse, ItemsOfASearchAndOfBrokenLines) {
  auto p = parse("* SEARCH 3 5 8\r\n");
  auto items = items_of(p.responses.at(0));
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 4u);
  EXPECT_EQ((*items)[3].text, "8");
  for (const char* line : {"* X (a b\r\n", "* X a)\r\n", "* X \"open\r\n", "* X BODY[HEADER\r\n",
                           "* ((((((((((((((((((((a))))))))))))))))))))\r\n"}) {
    SCOPED_TRACE(line);
    p = parse(line);
    ASSERT_EQ(p.responses.size(), 1u);
    std::string why;
    EXPECT_FALSE(items_of(p.responses[0], &why));
    EXPECT_NE(why, "");
  }
}

TEST(ImapResponse, AstringQuotesWhatIsNoAtomAndRefusesLineBreaks) {
  EXPECT_EQ(astring("probe@example.org"), "probe@example.org");
  EXPECT_EQ(astring("INBOX"), "INBOX");
  EXPECT_EQ(astring(""), "\"\"");
  EXPECT_EQ(astring("pass word"), "\"pass word\"");
  EXPECT_EQ(astring("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(astring("x(y"), "\"x(y\"");
  EXPECT_FALSE(astring("two\r\nlines"));
  EXPECT_FALSE(astring(std::string("nul\0", 4)));
}

}  // namespace
}  // namespace smtp_exporter::imap
