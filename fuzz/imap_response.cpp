// libFuzzer target: imap::ResponseParser, status_of, items_of and astring on whatever an IMAP
// server could send. Beyond crashes it checks the parser's promises: it never consumes more than
// it was given, the caps hold, and splitting the input differently gives the same responses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "feed_in_pieces.hpp"
#include "imap/response.hpp"

namespace {

using smtp_exporter::imap::Response;
using smtp_exporter::imap::ResponseLimits;
using smtp_exporter::imap::ResponseParser;

using smtp_exporter::fuzz::check;
using smtp_exporter::fuzz::feed_in_pieces;

struct Outcome {
  std::vector<Response> responses;
  bool error = false;
};

// Parses `data` in pieces of at most `piece` bytes, checking every complete response.
Outcome parse(std::string_view data, std::size_t piece, const ResponseLimits& limits) {
  ResponseParser parser(limits);
  Outcome out;
  out.error = !feed_in_pieces(parser, data, piece, [&](Response r) {
    check(r.line.size() <= limits.max_line);
    check(r.literals.size() <= limits.max_literals);
    std::size_t bytes = r.line.size();
    for (const auto& literal : r.literals) {
      check(literal.size() <= limits.max_literal);
      bytes += literal.size();
    }
    check(bytes <= limits.max_response);
    (void)smtp_exporter::imap::status_of(r);
    std::string why;
    if (!smtp_exporter::imap::items_of(r, &why)) check(!why.empty());
    out.responses.push_back(std::move(r));
  });
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.error != b.error || a.responses.size() != b.responses.size()) return false;
  for (std::size_t i = 0; i < a.responses.size(); ++i) {
    const Response& x = a.responses[i];
    const Response& y = b.responses[i];
    if (x.kind != y.kind || x.tag != y.tag || x.line != y.line || x.literals != y.literals) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // First byte: the piece size for the second run (1..256), and small caps half of the time,
  // so that the cap paths are reached with short inputs.
  const std::size_t piece = static_cast<std::size_t>(data[0] & 0x7f) * 2 + 1;
  ResponseLimits limits;
  if ((data[0] & 0x80) != 0) limits = ResponseLimits{64, 32, 256, 4};
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = parse(input, input.size() + 1, limits);
  const Outcome pieces = parse(input, piece, limits);
  check(same(whole, pieces));
  // astring: never a line break in what it gives, and an atom only when the text is one.
  if (const auto quoted = smtp_exporter::imap::astring(input)) {
    check(quoted->find('\r') == std::string::npos && quoted->find('\n') == std::string::npos);
    check(!quoted->empty());
  }
  return 0;
}
