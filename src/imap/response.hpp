// IMAP4rev1 responses (RFC 9051 section 7, RFC 3501 section 7): bytes in, whole responses out,
// each with its literals in place; then the parts a client reads from them (the status of a
// tagged response, the items of an untagged one). No sockets here.
//
//   * 12 FETCH (UID 7 BODY[HEADER] {42}CRLF <42 bytes>)CRLF     one untagged response
//   a3 OK [READ-WRITE] SELECT completed                          a tagged status response
//   + idling                                                    a continuation request
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtp_exporter::imap {

struct Response {
  enum class Kind { untagged, tagged, continuation };
  Kind kind = Kind::untagged;
  std::string tag;  // a tagged response's tag ("a3")
  // The response after "* ", "<tag> " or "+ ", without its CRLF; each literal stays as its
  // "{n}" marker, its bytes are in `literals` in the same order: "12 FETCH (UID 7 BODY[HEADER] {42})".
  std::string line;
  std::vector<std::string> literals;
};

// Caps that keep a hostile server from growing our buffers without bound.
struct ResponseLimits {
  std::size_t max_line = 16384;          // octets of the response outside its literals
  std::size_t max_literal = 1 << 20;     // octets of one literal (a probe message's header is small)
  std::size_t max_response = 4 << 20;    // octets of one whole response, literals included
  std::size_t max_literals = 256;        // literals in one response
};

// Incremental parser: feed it whatever the socket returned; it says when a response is
// complete, more bytes are needed, or the input is not a valid response.
class ResponseParser {
 public:
  enum class Status { need_more, complete, error };

  explicit ResponseParser(ResponseLimits limits = {}) : limits_(limits) {}

  // Consumes bytes from `data` up to the end of one response (never more) and sets `consumed`
  // to the count. After `complete`, take() the response; then feed the rest.
  Status feed(std::string_view data, std::size_t& consumed);
  Response take();  // the completed response; resets for the next one
  const std::string& error() const { return error_; }  // why, after Status::error
  void reset();

 private:
  Status finish_line_part();  // a CRLF ended the text in `part_`

  ResponseLimits limits_;
  std::string part_;              // text since the last literal, growing until its CRLF
  std::string line_;              // the response's text so far, literal markers included
  std::vector<std::string> literals_;
  std::size_t literal_left_ = 0;  // bytes of the current literal still to come
  bool in_literal_ = false;
  std::size_t bytes_ = 0;         // of the whole response so far
  bool complete_ = false;
  std::string error_;
};

// A status response: "OK [UIDNEXT 8] Predicted next UID", also untagged ("* BYE going away").
struct StatusResponse {
  std::string name;       // OK, NO, BAD, PREAUTH or BYE, upper case
  std::string code;       // the response code's name, upper case, "" without one: "UIDNEXT"
  std::string code_args;  // what follows it inside the brackets: "8"
  std::string text;       // the human-readable rest
};
// nullopt for a response that is not a status response (or a continuation).
std::optional<StatusResponse> status_of(const Response& response);

// The items of a response as a client reads them: atoms ("FETCH", "12", "BODY[HEADER]"),
// strings (quoted or literal, their content), NIL and parenthesised lists.
struct Item {
  enum class Type { atom, string, nil, list };
  Type type = Type::atom;
  std::string text;         // an atom's or a string's content
  std::vector<Item> items;  // a list's
};
// The items of `response.line`, its literals in place; nullopt with a reason in *why when the
// line does not tokenize (an unclosed string or list, a marker without its literal, lists nested
// deeper than 16).
std::optional<std::vector<Item>> items_of(const Response& response, std::string* why = nullptr);

// IMAP's astring for a command: the text as an atom when it is one, else quoted (with \ and "
// escaped), and nullopt when it cannot go in a quoted string (CR, LF or NUL: a literal would be
// needed, which the client does not send).
std::optional<std::string> astring(std::string_view text);

}  // namespace smtp_exporter::imap
