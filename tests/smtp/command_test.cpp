#include "smtp/command.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace smtp_exporter::smtp {
namespace {

// An address of exactly `octets` octets: a 64-octet local part and a domain of 63-octet labels.
std::string address_of_length(std::size_t octets) {
  std::string address = std::string(64, 'a') + "@";
  while (address.size() < octets) {
    if (address.back() != '@') address += '.';
    address += std::string(std::min<std::size_t>(63, octets - address.size()), 'x');
  }
  return address;
}

TEST(MailboxProblem, ValidAddresses) {
  for (const std::string& address : std::vector<std::string>{
           "user@example.org",
           "first.last+tag@mail.example.org",
           "!#$%&'*+-/=?^_`{|}~@example.org",
           "user@localhost",
           "user@1example.org",
           "user@xn--bcher-kva.example",
           "user@EXAMPLE.ORG",
           "\"john doe\"@example.org",
           "\"a\\\"b\\\\c\"@example.org",
           "\"not@domain\"@example.org",
           "\"\"@example.org",
           "user@[192.0.2.1]",
           "user@[0.0.0.0]",
           "user@[255.255.255.255]",
           "user@[IPv6:2001:db8::1]",
           "user@[ipv6:::ffff:192.0.2.1]",
           "user@[IPv6:2001:db8:0:0:0:0:0:1]",
           "user@" + std::string(63, 'x') + ".org",
       }) {
    EXPECT_EQ(mailbox_problem(address), "") << address;
  }
}

TEST(MailboxProblem, At254OctetsAndNotBeyond) {
  ASSERT_EQ(address_of_length(254).size(), 254u);
  EXPECT_EQ(mailbox_problem(address_of_length(254)), "");
  ASSERT_EQ(address_of_length(255).size(), 255u);
  EXPECT_EQ(mailbox_problem(address_of_length(255)), "longer than 254 octets");
}

TEST(MailboxProblem, InvalidAddresses) {
  struct Case {
    std::string address;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"", "empty address"},
      {"user.example.org", "missing '@'"},
      {"\"quoted\"example.org", "missing '@'"},
      {"\"quoted\"x@example.org", "missing '@'"},
      {"@example.org", "empty local part"},
      {"user@", "empty domain"},
      {"user@example.org\r\nRSET", "contains CR or LF"},
      {"user@exam\nple.org", "contains CR or LF"},
      {"\"a\rb\"@example.org", "contains CR or LF"},
      {"us\ter@example.org", "contains a control character"},
      {std::string("us\0er@example.org", 17), "contains a control character"},
      {"user\x7f@example.org", "contains a control character"},
      {"\xc3\xbcser@example.org", "contains a non-ASCII character"},
      {"john doe@example.org", "space in local part (only allowed in a quoted one)"},
      {" user@example.org", "space in local part (only allowed in a quoted one)"},
      {"user@example .org", "invalid character ' ' in domain"},
      {"user@example.org ", "invalid character ' ' in domain"},
      {".user@example.org", "misplaced '.' in local part"},
      {"user.@example.org", "misplaced '.' in local part"},
      {"us..er@example.org", "misplaced '.' in local part"},
      {"us(er)@example.org", "invalid character '(' in local part"},
      {"<user@example.org>", "invalid character '<' in local part"},
      {"us\"er@example.org", "invalid character '\"' in local part"},
      {"\"unterminated@example.org", "unterminated quoted local part"},
      {"\"a\\\"@example.org", "unterminated quoted local part"},
      {"a@b@example.org", "invalid character '@' in domain"},
      {"user@example..org", "empty label in domain"},
      {"user@example.org.", "empty label in domain"},
      {"user@.example.org", "empty label in domain"},
      {"user@-example.org", "domain label starts or ends with '-'"},
      {"user@example-.org", "domain label starts or ends with '-'"},
      {"user@exa_mple.org", "invalid character '_' in domain"},
      {"user@" + std::string(64, 'x') + ".org", "domain label longer than 63 octets"},
      {"user@[192.0.2.256]", "invalid address literal"},
      {"user@[192.0.2]", "invalid address literal"},
      {"user@[192.0.2.1.5]", "invalid address literal"},
      {"user@[192.0.2.0001]", "invalid address literal"},
      {"user@[192.0..1]", "invalid address literal"},
      {"user@[192.0.2.1", "invalid address literal"},
      {"user@[]", "invalid address literal"},
      {"user@[IPv6:]", "invalid address literal"},
      {"user@[IPv6:2001:db8::g]", "invalid address literal"},
      {"user@[2001:db8::1]", "invalid address literal"},
      {"user@[x-tag:anything]", "invalid address literal"},
  };
  for (const Case& c : cases) EXPECT_EQ(mailbox_problem(c.address), c.problem) << c.address;
}

TEST(Commands, MailFromAndRcptTo) {
  EXPECT_EQ(mail_from_command("probe@example.org"), "MAIL FROM:<probe@example.org>");
  EXPECT_EQ(mail_from_command(""), "MAIL FROM:<>");
  EXPECT_EQ(rcpt_to_command("postmaster@example.org"), "RCPT TO:<postmaster@example.org>");
  EXPECT_EQ(rcpt_to_command("\"john doe\"@[192.0.2.1]"), "RCPT TO:<\"john doe\"@[192.0.2.1]>");
}

TEST(EnhancedStatusCode, FromTheFirstLine) {
  struct Case {
    int code;
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {550, "5.1.1 <x@example.org>: Recipient address rejected: User unknown\n", "5.1.1"},
      {554, "5.7.1 <x@example.net>: Relay access denied\n", "5.7.1"},
      {250, "2.0.0 Ok: queued as 4BcXyZ\n", "2.0.0"},
      {450, "4.2.0 <x@example.org>: Recipient address rejected: Greylisted\n", "4.2.0"},
      {235, "2.7.0 Authentication successful\n", "2.7.0"},
      {550, "5.123.456 three digits each\n", "5.123.456"},
      {250, "2.1.5\n", "2.1.5"},  // the code alone, then the end of the line
      {250, "2.1.5", "2.1.5"},
      // The class must match the reply code's first digit; 3yz and 1yz have none.
      {550, "4.1.1 class differs\n", ""},
      {250, "5.0.0 class differs\n", ""},
      {354, "3.0.0 End data with <CR><LF>.<CR><LF>\n", ""},
      {550, "1.0.0 no such class\n", ""},
      // None at all, or something that only looks like one.
      {550, "Mailbox unavailable\n", ""},
      {550, "\n", ""},
      {550, "", ""},
      {550, "5.1 two parts\n", ""},
      {550, "5.1.1000 four-digit detail\n", ""},
      {550, "5.1000.1 four-digit subject\n", ""},
      {550, "5..1 empty subject\n", ""},
      {550, "5.1. empty detail\n", ""},
      {550, "5.1.1x glued text\n", ""},
      {550, "5.1.1: punctuation\n", ""},
      {550, "5.1.1\ttab\n", ""},
      {550, " 5.1.1 leading space\n", ""},
      {550, "55.1.1 two-digit class\n", ""},
      // Multi-line: only the first line counts.
      {550, "5.1.1 first\n5.1.2 second\n", "5.1.1"},
      {550, "Mailbox unavailable\n5.1.1 on a later line\n", ""},
      {250, "mx.example.org\n2.0.0 not the first line\n", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(enhanced_status_code(c.code, c.text), c.expected) << c.code << " " << c.text;
}

TEST(AuthMechanisms, FromAuthLines) {
  struct Case {
    std::string text;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"mx.example.org\nPIPELINING\nAUTH PLAIN LOGIN\nSTARTTLS\n", {"PLAIN", "LOGIN"}},
      {"mx.example.org\nAUTH=PLAIN LOGIN\n", {"PLAIN", "LOGIN"}},
      // Both forms, as Postfix sends with broken_sasl_auth_clients: one list, no duplicates.
      {"mx.example.org\nAUTH PLAIN LOGIN\nAUTH=PLAIN LOGIN\n", {"PLAIN", "LOGIN"}},
      {"mx.example.org\nAUTH LOGIN PLAIN LOGIN\n", {"LOGIN", "PLAIN"}},
      {"mx.example.org\nauth plain login cram-md5\n", {"PLAIN", "LOGIN", "CRAM-MD5"}},
      {"mx.example.org\nAuth=login\n", {"LOGIN"}},
      {"mx.example.org\n AUTH  SCRAM-SHA-256\tPLAIN \n", {"SCRAM-SHA-256", "PLAIN"}},
      {"mx.example.org\nAUTH GSSAPI SCRAM-SHA-256-PLUS XOAUTH2 OAUTHBEARER\n",
       {"GSSAPI", "SCRAM-SHA-256-PLUS", "XOAUTH2", "OAUTHBEARER"}},
      // Not mechanism names (RFC 4422: A-Z 0-9 - _, at most 20): skipped, the rest kept.
      {"mx.example.org\nAUTH PLAIN l0gin! <script> X-A-VERY-LONG-MECHANISM-NAME =LOGIN LOGIN\n", {"PLAIN", "LOGIN"}},
      {"mx.example.org\nAUTH 12345678901234567890 123456789012345678901\n", {"12345678901234567890"}},
      // No AUTH line, or something else that starts with the letters.
      {"mx.example.org\nPIPELINING\nSTARTTLS\n", {}},
      {"mx.example.org\nAUTH\n", {}},
      {"mx.example.org\nAUTHENTICATE PLAIN\n", {}},
      {"mx.example.org\nX-AUTH PLAIN\n", {}},
      // The first line is the server's domain, whatever it says.
      {"AUTH PLAIN\n", {}},
      {"", {}},
  };
  for (const Case& c : cases) EXPECT_EQ(auth_mechanisms(c.text), c.expected) << c.text;
}

TEST(DataText, LinesEndInCrlfLeadingDotsAreDoubledAndTheEndMarkFollows) {
  EXPECT_EQ(data_text("Subject: x\r\n\r\nbody\r\n"), "Subject: x\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(data_text("a\nb\rc"), "a\r\nb\r\nc\r\n.\r\n");  // bare LF and CR, no final line end
  EXPECT_EQ(data_text(".\r\n..x\r\ny.z\r\n"), "..\r\n...x\r\ny.z\r\n.\r\n");
  EXPECT_EQ(data_text(".starts"), "..starts\r\n.\r\n");
  EXPECT_EQ(data_text(""), ".\r\n");
  EXPECT_EQ(data_text("\r\n.\r\n"), "\r\n..\r\n.\r\n") << "an end mark inside the message is stuffed";
}

}  // namespace
}  // namespace smtp_exporter::smtp
