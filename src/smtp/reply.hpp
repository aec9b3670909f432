// SMTP reply parsing (RFC 5321 section 4.2): bytes in, complete replies out. No sockets here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smtp_exporter::smtp {

struct Reply {
  int code = 0;  // 100..599
  // The text of every line, without code, separator and line end, each line ended by '\n' (a
  // line cannot hold one): "250-mx.example.org\r\n250 SIZE 1000\r\n" has the text
  // "mx.example.org\nSIZE 1000\n". One string for the whole reply, not one per line.
  std::string text;
};

// The lines of a Reply::text, in order, as views into it.
std::vector<std::string_view> reply_lines(std::string_view text);
std::string_view first_line(std::string_view text);

// Caps that keep a hostile server from growing our buffers without bound.
struct ReplyLimits {
  std::size_t max_line = 4096;      // octets in one line (RFC says 512; servers exceed it)
  std::size_t max_reply = 65536;    // octets in one whole multi-line reply
  std::size_t max_lines = 1000;     // lines in one reply
};

// Incremental parser. Feed it whatever the socket returned; it returns when a reply is
// complete, more bytes are needed, or the input is not a valid reply.
class ReplyParser {
 public:
  enum class Status { need_more, complete, error };

  explicit ReplyParser(ReplyLimits limits = {}) : limits_(limits) {}

  // Consumes bytes from `data` up to and including the final line of one reply (never more),
  // sets `consumed` to the count. After `complete`, take() the reply; then feed the rest.
  Status feed(std::string_view data, std::size_t& consumed);

  Reply take();                       // the completed reply; resets for the next one
  const std::string& error() const { return error_; }  // why, after Status::error
  std::size_t bare_lf_count() const { return bare_lf_; }  // lines ended by LF without CR
  void reset();                       // forget any partial reply

 private:
  Status finish_line(std::string_view line);  // one whole line, without its LF

  ReplyLimits limits_;
  std::string line_;        // the start of a line that arrived in pieces
  Reply reply_;
  std::size_t lines_ = 0;   // in reply_
  std::size_t reply_bytes_ = 0;
  bool complete_ = false;
  std::size_t bare_lf_ = 0;
  std::string error_;
};

// RFC 5321 ehlo-keyword: ALPHA / DIGIT, then ALPHA / DIGIT / "-"; longer than 64 octets is not
// believed. Anything else must not reach a metric label.
bool is_ehlo_keyword(std::string_view keyword);

// EHLO keywords from the text of an EHLO reply (Reply::text): every line but the first (the
// domain), keyword only, upper-cased, de-duplicated, in order. "250-size 1000" -> "SIZE".
// Invalid keywords are skipped.
std::vector<std::string> ehlo_keywords(std::string_view text);

}  // namespace smtp_exporter::smtp
