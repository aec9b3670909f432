#include "prober/transcript.hpp"

#include <algorithm>

namespace smtp_exporter::prober {
namespace {

// Printable ASCII as is, everything else as \xNN: a hostile server's bytes stay inert text.
std::string printable(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (const unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

void Transcript::add(char direction, std::string_view text, Clock::time_point at) {
  if (lines_ == nullptr) return;
  const double seconds = std::chrono::duration<double>(at - start_).count();
  // The kernel can stamp the greeting's arrival a moment before a busy event loop let the prober
  // note the connection. The phases then end connect at the greeting's arrival, and so do the
  // notes before it here: the transcript reads in order, at the stamps the phases use.
  for (auto line = lines_->rbegin(); line != lines_->rend() && line->at_seconds > seconds; ++line) {
    line->at_seconds = seconds;
  }
  lines_->push_back({seconds, direction, printable(text)});
}

}  // namespace smtp_exporter::prober
