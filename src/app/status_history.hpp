// What the status pages keep of an address target's recent probes (issue 17): a 12-byte record of
// each of its last 50 probes (finish time, event, failure reason, QoS latency, duration), which
// both the sparkline on / (all 50) and the list on /target (the newest 20) read, and, with at
// most kTranscriptTargets targets, the transcripts of its last 20 probes.
//
// What a target keeps, in bytes: sizeof(StatusHistory) (88 on x86-64); once probed, 600 for the
// 50 records and the last failure's explanation (its text past 15 characters); with at most
// kTranscriptTargets targets also its last 20 probes' transcripts, each cut at kTranscriptBytes
// (sizeof(TranscriptLine) + the text a line), so at most 80 KiB and 8 MiB for 100 targets.
// With 10,000 targets that is under 7 MB in all (bench part 2's budget: 64 MiB peak RSS).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::app {

// One probe as the status pages show it. Packed into 12 bytes: 10,000 targets keep 500,000 of
// them, within the exporter's memory budget.
class ProbeSample {
 public:
  ProbeSample() = default;
  ProbeSample(const prober::ProbeResult& result, const classify::Verdict& verdict, double wall_time);

  double finished() const { return finished_; }  // Unix seconds
  classify::Event event() const { return classify::kEvents[event_]; }
  prober::Failure reason() const { return static_cast<prober::Failure>(reason_); }  // none unless failed
  std::optional<double> latency() const {  // the QoS latency; none without a final 250 to EHLO
    return std::isnan(latency_) ? std::nullopt : std::optional<double>(latency_);
  }
  double duration() const { return duration_ms_ / 1000.0; }

  // Durations up to 69 minutes, far beyond any probe's timeout; longer ones read as that.
  static constexpr std::uint32_t kMaxDurationMs = (1u << 22) - 1;

 private:
  std::uint32_t finished_ = 0;
  float latency_ = std::numeric_limits<float>::quiet_NaN();
  std::uint32_t duration_ms_ : 22 = 0;
  std::uint32_t event_ : 2 = classify::event_index(classify::Event::failed);
  std::uint32_t reason_ : 8 = 0;
};
static_assert(sizeof(ProbeSample) == 12);
static_assert(prober::kFailureCount < 256, "a failure reason fits ProbeSample's 8 bits");

// The first lines of a probe's transcript, as the prober recorded them (redacted there already),
// formatted only when /target shows them.
struct KeptTranscript {
  std::vector<prober::TranscriptLine> lines;
  std::size_t left_out = 0;  // the lines after them, beyond kTranscriptBytes
  std::size_t bytes = 0;     // what the lines take: their structs and their texts

  // As /probe?debug=true shows it, with a last line saying how many lines were left out.
  std::string text() const;
};

class StatusHistory {
 public:
  static constexpr std::size_t kLatencies = 50;  // the sparkline's points
  static constexpr std::size_t kProbes = 20;     // listed on /target, the newest of the samples
  static constexpr std::size_t kTranscriptBytes = 4096;  // per probe

  // Folds in one probe. `transcript_share`: the bytes this target's transcripts may take in all;
  // when the newest would go beyond it, the oldest lose theirs first. 0: no transcript is kept.
  void record(const prober::ProbeResult& result, const classify::Verdict& verdict, double wall_time,
              std::size_t transcript_share);

  const std::vector<ProbeSample>& samples() const { return samples_; }  // the oldest first
  // The transcripts of the newest probes, the newest first: transcripts()[i] is that of
  // samples()[samples().size() - 1 - i]. Empty when none are kept.
  const std::vector<KeptTranscript>& transcripts() const { return transcripts_; }
  const std::string& last_detail() const { return last_detail_; }  // the last probe's cause, if any
  std::size_t transcript_bytes() const { return transcript_bytes_; }

 private:
  // Vectors of exactly their capacity: a deque's 512-byte blocks would double what a target keeps.
  std::vector<ProbeSample> samples_;
  std::vector<KeptTranscript> transcripts_;
  std::size_t transcript_bytes_ = 0;
  std::string last_detail_;
};

// Transcripts are kept for at most this many address targets: with more, none are (a probe that
// records its transcript costs about 2.5 times the CPU of one that does not, bench part 8), so
// that an exporter of many targets pays nothing for them; /probe?debug=true shows one on demand.
inline constexpr std::size_t kTranscriptTargets = 100;
// The bytes of transcripts one target keeps: its last kProbes probes' with up to
// kTranscriptTargets targets, 0 (none recorded) with more.
std::size_t transcript_share(std::size_t targets);

// A transcript as /probe?debug=true shows it: a line each, "  0.012345 < 220 mx ESMTP".
std::string transcript_text(const std::vector<prober::TranscriptLine>& lines);

}  // namespace smtp_exporter::app
