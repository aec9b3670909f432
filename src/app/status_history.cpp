#include "app/status_history.hpp"

#include <algorithm>
#include <cstdio>

namespace smtp_exporter::app {

namespace {

// What a kept line takes: its struct and its text (a short text lives inside the struct, a long
// one beside it).
std::size_t line_bytes(const prober::TranscriptLine& line) { return sizeof line + line.text.size(); }

// The first lines of `lines` that fit in kTranscriptBytes.
KeptTranscript keep_transcript(const std::vector<prober::TranscriptLine>& lines) {
  KeptTranscript kept;
  std::size_t count = 0;
  for (const auto& line : lines) {
    if (kept.bytes + line_bytes(line) > StatusHistory::kTranscriptBytes) break;
    kept.bytes += line_bytes(line);
    ++count;
  }
  kept.lines.assign(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(count));
  kept.left_out = lines.size() - count;
  return kept;
}

}  // namespace

ProbeSample::ProbeSample(const prober::ProbeResult& result, const classify::Verdict& verdict, double wall_time)
    : finished_(static_cast<std::uint32_t>(std::max(wall_time, 0.0))),
      latency_(result.ehlo_latency_seconds ? static_cast<float>(*result.ehlo_latency_seconds)
                                           : std::numeric_limits<float>::quiet_NaN()),
      duration_ms_(static_cast<std::uint32_t>(
          std::clamp(std::lround(result.total_seconds * 1000), 0L, static_cast<long>(kMaxDurationMs)))),
      event_(static_cast<std::uint32_t>(classify::event_index(verdict.event))),
      reason_(static_cast<std::uint32_t>(verdict.reason)) {}

std::string KeptTranscript::text() const {
  std::string out = transcript_text(lines);
  if (left_out > 0) {
    out += "(" + std::to_string(left_out) + " more lines not kept: a transcript is cut at " +
           std::to_string(StatusHistory::kTranscriptBytes) + " bytes)\n";
  }
  return out;
}

void StatusHistory::record(const prober::ProbeResult& result, const classify::Verdict& verdict, double wall_time,
                           std::size_t transcript_share) {
  if (samples_.empty()) samples_.reserve(kLatencies);
  if (samples_.size() == kLatencies) samples_.erase(samples_.begin());
  samples_.emplace_back(result, verdict, wall_time);
  last_detail_ = result.detail;
  if (transcript_share == 0) {  // many targets: none kept (and none recorded by the prober)
    std::vector<KeptTranscript>().swap(transcripts_);
    transcript_bytes_ = 0;
    return;
  }

  if (transcripts_.empty()) transcripts_.reserve(kProbes);
  if (transcripts_.size() == kProbes) {
    transcript_bytes_ -= transcripts_.back().bytes;
    transcripts_.pop_back();
  }
  KeptTranscript kept = keep_transcript(result.transcript);
  transcript_bytes_ += kept.bytes;
  transcripts_.insert(transcripts_.begin(), std::move(kept));
  // Over the share: the oldest transcripts go first (their probes stay listed).
  for (auto it = transcripts_.rbegin(); transcript_bytes_ > transcript_share && it != transcripts_.rend(); ++it) {
    transcript_bytes_ -= it->bytes;
    *it = KeptTranscript{};  // gives its memory back, not only its length
  }
}

std::size_t transcript_share(std::size_t targets) {
  return targets <= kTranscriptTargets ? StatusHistory::kProbes * StatusHistory::kTranscriptBytes : 0;
}

std::string transcript_text(const std::vector<prober::TranscriptLine>& lines) {
  std::string out;
  for (const auto& line : lines) {
    char at[32];
    std::snprintf(at, sizeof at, "%9.6f ", line.at_seconds);
    out += at;
    out += line.direction;
    out += ' ';
    out += line.text;
    out += '\n';
  }
  return out;
}

}  // namespace smtp_exporter::app
