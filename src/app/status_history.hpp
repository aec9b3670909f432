// What the status pages keep of an address target's recent probes (issue 17): the QoS latencies
// of its last 50 probes, for the sparkline on /, and its last 20 probes, each with its timed
// transcript, for /target. Memory stays bounded: 12 bytes per latency and 80 per probe kept,
// and the transcripts within a byte share (transcript_share), kept only with few targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "classify/qos.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::app {

// A probe's QoS latency as the sparkline draws it.
struct LatencySample {
  float seconds = 0;  // the QoS latency, if has_latency (no final 250 to EHLO: none)
  bool has_latency = false;
  classify::Event event = classify::Event::failed;
};

// One probe as /target lists it.
struct ProbeRecord {
  double wall_time = 0;  // when it finished, Unix seconds
  classify::Verdict verdict;
  std::optional<double> latency;
  double duration = 0;
  // Its transcript as /probe?debug=true shows it (redacted there already), cut at
  // kTranscriptBytes; "" when not kept.
  std::string transcript;
};

class StatusHistory {
 public:
  static constexpr std::size_t kLatencies = 50;
  static constexpr std::size_t kProbes = 20;
  static constexpr std::size_t kTranscriptBytes = 4096;  // per probe

  // Folds in one probe. `transcript_share`: the bytes this target's transcripts may take in all;
  // when the newest would go beyond it, the oldest lose theirs first. 0: neither the probe nor its
  // transcript is listed (only its latency is kept).
  void record(const prober::ProbeResult& result, const classify::Verdict& verdict, double wall_time,
              std::size_t transcript_share);

  const std::vector<LatencySample>& latencies() const { return latencies_; }  // the oldest first
  const std::vector<ProbeRecord>& probes() const { return probes_; }          // the newest first
  const std::string& last_detail() const { return last_detail_; }  // the last probe's cause, if any
  std::size_t transcript_bytes() const { return transcript_bytes_; }

 private:
  // Vectors of exactly their capacity: a deque's 512-byte blocks would double what a target keeps.
  std::vector<LatencySample> latencies_;
  std::vector<ProbeRecord> probes_;
  std::size_t transcript_bytes_ = 0;
  std::string last_detail_;
};

// Transcripts and the list of recent probes are kept for at most this many address targets:
// with more, none are
// (a probe with a transcript costs about 2.5 times the CPU of one without, bench part 8), so that
// an exporter of many targets pays nothing for them; /probe?debug=true shows one on demand.
inline constexpr std::size_t kTranscriptTargets = 100;
// The bytes of transcripts one target keeps: its last kProbes probes' with up to
// kTranscriptTargets targets, 0 (none recorded) with more.
std::size_t transcript_share(std::size_t targets);

// A transcript as /probe?debug=true shows it: a line each, "  0.012345 < 220 mx ESMTP". After
// `max_bytes` of lines, one more line says how many were left out.
std::string transcript_text(const std::vector<prober::TranscriptLine>& lines,
                            std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace smtp_exporter::app
