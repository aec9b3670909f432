// For the fuzz targets of the incremental parsers (smtp::ReplyParser, imap::ResponseParser):
// feeds the input in pieces and checks the promises every such parser makes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>

namespace smtp_exporter::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// Feeds `data` to `parser` (feed(bytes, consumed) -> Status::need_more | complete | error,
// take(), error()) in pieces of at most `piece` bytes and hands every complete result to
// `take`. Returns false at the parser's first error. Checks that the parser never consumes more
// than it was given, that need_more means it took everything, and that an error says why.
template <class Parser, class Take>
bool feed_in_pieces(Parser& parser, std::string_view data, std::size_t piece, Take take) {
  std::string pending;
  std::size_t offset = 0;
  while (offset < data.size() || !pending.empty()) {
    if (offset < data.size()) {
      const std::size_t n = std::min(piece, data.size() - offset);
      pending.append(data.substr(offset, n));
      offset += n;
    }
    bool progress = true;
    while (!pending.empty() && progress) {
      std::size_t used = 0;
      const auto status = parser.feed(pending, used);
      check(used <= pending.size());
      pending.erase(0, used);
      if (status == Parser::Status::error) {
        check(!parser.error().empty());
        return false;
      }
      if (status == Parser::Status::complete) {
        take(parser.take());
      } else {
        check(pending.empty());
        progress = false;
      }
    }
    if (offset >= data.size()) break;
  }
  return true;
}

}  // namespace smtp_exporter::fuzz
