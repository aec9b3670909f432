// The mail loop's probe message, without sockets: what is sent (headers with a token, a short
// body) and what is read back from a received message's header (the token, the Received
// timestamps, the Authentication-Results verdicts).
//
//   X-Smtp-Exporter-Probe: instance=mon1.example.net; loop=example-org; run=1764650000123; seq=7; sent=1764650300
//
// `instance` and `loop` say whose message it is (another exporter's is left alone); `run` (when
// this process started, in ms) and `seq` say which one; `sent` is the Unix time it was sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace smtp_exporter::loop {

inline constexpr std::string_view kTokenHeader = "X-Smtp-Exporter-Probe";

struct Token {
  std::string instance;
  std::string loop;
  std::uint64_t run = 0;
  std::uint64_t seq = 0;
  std::int64_t sent = 0;  // Unix seconds
  bool operator==(const Token&) const = default;
};

std::string token_text(const Token& token);
// nullopt unless `text` is a token as token_text writes it (spaces around ';' tolerated).
std::optional<Token> parse_token(std::string_view text);
// What every message of (instance, loop) has in its token header, for a substring search
// (IMAP SEARCH HEADER matches substrings): "instance=mon1; loop=example-org;".
std::string token_prefix(std::string_view instance, std::string_view loop);

struct Outgoing {
  std::string from;  // mailboxes, without < >
  std::string to;
  Token token;
  std::string host;  // this exporter's host name, for the Message-ID
};
// The whole message, headers and body, CRLF lines (smtp::data_text makes it DATA's).
std::string compose(const Outgoing& message);

// What a received message's header says.
struct HeaderFacts {
  std::optional<Token> token;
  // Unix times of the Received: headers' dates: the oldest (the bottom one, the first hop) and
  // the newest (the top one, the last hop); set when some Received: header has a date.
  std::optional<std::int64_t> first_received;
  std::optional<std::int64_t> last_received;
  // The topmost Authentication-Results header's verdict per method (RFC 8601): "spf" -> "pass";
  // lower case, keywords only (they become label values).
  std::map<std::string, std::string> auth_results;
};
HeaderFacts read_header(std::string_view header);

// An RFC 5322 date-time ("Tue, 1 Dec 2026 10:00:00 +0100 (CET)") as Unix seconds; nullopt if
// it is not one.
std::optional<std::int64_t> parse_date(std::string_view text);
// Unix seconds as an RFC 5322 date-time in UTC: "Tue, 01 Dec 2026 09:00:00 +0000".
std::string format_date(std::int64_t unix_seconds);

}  // namespace smtp_exporter::loop
