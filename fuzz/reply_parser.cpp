// libFuzzer target: smtp::ReplyParser and ehlo_keywords on whatever a server could send.
// Beyond crashes it checks the parser's promises: it never consumes more than it was given, the
// caps hold, codes are 100..599, and splitting the input differently gives the same replies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "feed_in_pieces.hpp"
#include "smtp/reply.hpp"

namespace {

using smtp_exporter::smtp::Reply;
using smtp_exporter::smtp::ReplyLimits;
using smtp_exporter::smtp::ReplyParser;

using smtp_exporter::fuzz::check;
using smtp_exporter::fuzz::feed_in_pieces;

struct Outcome {
  std::vector<Reply> replies;
  bool error = false;
  std::size_t bare_lf = 0;
};

// Parses `data` in pieces of at most `piece` bytes, checking every complete reply.
Outcome parse(std::string_view data, std::size_t piece, const ReplyLimits& limits) {
  ReplyParser parser(limits);
  Outcome out;
  out.error = !feed_in_pieces(parser, data, piece, [&](Reply r) {
    check(r.code >= 100 && r.code <= 599);
    const auto lines = smtp_exporter::smtp::reply_lines(r.text);
    check(!r.text.empty() && r.text.back() == '\n');  // every line ends in the text
    check(!lines.empty() && lines.size() <= limits.max_lines);
    std::size_t bytes = 0;
    for (const auto& line : lines) {
      check(line.size() <= limits.max_line);
      bytes += line.size();
    }
    check(bytes <= limits.max_reply);
    for (const auto& kw : smtp_exporter::smtp::ehlo_keywords(r.text)) {
      check(!kw.empty() && kw.size() <= 64);
      for (const char c : kw) check((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
    }
    out.replies.push_back(std::move(r));
  });
  out.bare_lf = parser.bare_lf_count();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.error != b.error || a.bare_lf != b.bare_lf || a.replies.size() != b.replies.size()) return false;
  for (std::size_t i = 0; i < a.replies.size(); ++i) {
    if (a.replies[i].code != b.replies[i].code || a.replies[i].text != b.replies[i].text) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // First byte: the piece size for the second run (1..256), and small caps half of the time,
  // so that the cap paths are reached with short inputs.
  const std::size_t piece = static_cast<std::size_t>(data[0] & 0x7f) * 2 + 1;
  ReplyLimits limits;
  if ((data[0] & 0x80) != 0) limits = ReplyLimits{64, 256, 8};
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = parse(input, input.size() + 1, limits);
  const Outcome pieces = parse(input, piece, limits);
  check(same(whole, pieces));
  return 0;
}
