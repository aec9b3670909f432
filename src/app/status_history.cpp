#include "app/status_history.hpp"

#include <cstdio>

namespace smtp_exporter::app {

void StatusHistory::record(const prober::ProbeResult& result, const classify::Verdict& verdict, double wall_time,
                           std::size_t transcript_share) {
  LatencySample sample;
  sample.has_latency = result.ehlo_latency_seconds.has_value();
  sample.seconds = static_cast<float>(result.ehlo_latency_seconds.value_or(0));
  sample.event = verdict.event;
  if (latencies_.empty()) latencies_.reserve(kLatencies);
  if (latencies_.size() == kLatencies) latencies_.erase(latencies_.begin());
  latencies_.push_back(sample);
  last_detail_ = result.detail;
  // With many targets (no share) no probe list either: 20 records are 1.6 KB a target, 16 MB at
  // 10,000 targets, past the exporter's memory budget (bench part 2).
  if (transcript_share == 0) return;

  ProbeRecord probe;
  probe.wall_time = wall_time;
  probe.verdict = verdict;
  probe.latency = result.ehlo_latency_seconds;
  probe.duration = result.total_seconds;
  if (transcript_share > 0 && !result.transcript.empty()) {
    probe.transcript = transcript_text(result.transcript, kTranscriptBytes);
  }
  if (probes_.empty()) probes_.reserve(kProbes);
  if (probes_.size() == kProbes) {
    transcript_bytes_ -= probes_.back().transcript.size();
    probes_.pop_back();
  }
  transcript_bytes_ += probe.transcript.size();
  probes_.insert(probes_.begin(), std::move(probe));
  // Over the share: the oldest transcripts go first (their probes stay listed).
  for (auto it = probes_.rbegin(); transcript_bytes_ > transcript_share && it != probes_.rend(); ++it) {
    transcript_bytes_ -= it->transcript.size();
    std::string().swap(it->transcript);  // gives its memory back, not only its length
  }
}

std::size_t transcript_share(std::size_t targets) {
  return targets <= kTranscriptTargets ? StatusHistory::kProbes * StatusHistory::kTranscriptBytes : 0;
}

std::string transcript_text(const std::vector<prober::TranscriptLine>& lines, std::size_t max_bytes) {
  std::string out;
  std::size_t kept = 0;
  for (const auto& line : lines) {
    char at[32];
    std::snprintf(at, sizeof at, "%9.6f ", line.at_seconds);
    const std::size_t length = std::char_traits<char>::length(at) + 2 + line.text.size() + 1;
    if (out.size() + length > max_bytes) break;
    out += at;
    out += line.direction;
    out += ' ';
    out += line.text;
    out += '\n';
    ++kept;
  }
  if (kept < lines.size()) {
    out += "(" + std::to_string(lines.size() - kept) + " more lines not kept: a transcript is cut at " +
           std::to_string(max_bytes) + " bytes)\n";
  }
  return out;
}

}  // namespace smtp_exporter::app
