// The timed transcript a probe keeps when its request asks for one (/probe?debug=true): what
// was sent, what came back, and the prober's notes, each stamped since the probe started.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "prober/probe_result.hpp"

namespace smtp_exporter::prober {

class Transcript {
 public:
  using Clock = std::chrono::steady_clock;

  // Keeps nothing when `lines` is null.
  Transcript(std::vector<TranscriptLine>* lines, Clock::time_point start) : lines_(lines), start_(start) {}

  bool enabled() const { return lines_ != nullptr; }
  void note(std::string_view text) { add('*', text, Clock::now()); }
  // A command line as sent; the caller passes a redacted form for secrets.
  void sent(std::string_view line) { add('>', line, Clock::now()); }
  // A received line, stamped when it arrived (the same stamp the phase timings use).
  void received(std::string_view line, Clock::time_point arrived) { add('<', line, arrived); }

 private:
  void add(char direction, std::string_view text, Clock::time_point at);

  std::vector<TranscriptLine>* lines_;
  Clock::time_point start_;
};

}  // namespace smtp_exporter::prober
