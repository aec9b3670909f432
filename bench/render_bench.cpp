// metrics::write_targets for 10,000 targets (the /metrics body of interval mode at scale),
// with a reused output string as the server keeps one per connection.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <vector>

#include "classify/qos.hpp"
#include "metrics/target_state.hpp"
#include "http/gzip.hpp"
#include "metrics/writer.hpp"
#include "prober/probe_result.hpp"

namespace {

using namespace smtp_exporter;

std::vector<metrics::TargetState> make_states(std::size_t n) {
  std::vector<metrics::TargetState> states;
  states.reserve(n);
  const std::vector<double> buckets = {0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 4, 5, 10};
  prober::ProbeResult r;
  r.phase_seconds = {0.0001, 0.0002, 0, 0.001, 0.0005, 0, 0.0003};
  r.total_seconds = 0.0021;
  r.greeting_code = 220;
  r.ehlo_code = 250;
  r.ehlo_text = "mx.example.org\nPIPELINING\nSIZE 10240000\nVRFY\nETRN\nSTARTTLS\nENHANCEDSTATUSCODES\n"
                "8BITMIME\nDSN\nSMTPUTF8\n";
  r.peer_address = "127.0.0.1";
  classify::Verdict v;
  v.event = classify::Event::success;
  v.probe_success = true;
  v.ehlo_success = true;
  for (std::size_t i = 0; i < n; ++i) {
    metrics::TargetIdentity id{"mx" + std::to_string(i) + ".example.org:25", "smtp_ehlo",
                               {{"site", i % 2 ? "ams" : "fra"}}};
    states.emplace_back(std::move(id), buckets, 2.0);
    r.ehlo_latency_seconds = 0.0005 + 1e-7 * static_cast<double>(i);
    states.back().record(r, v, 1700000000.0 + static_cast<double>(i) * 0.001);
  }
  return states;
}

void BM_WriteTargets(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto states = make_states(n);
  std::vector<const metrics::TargetState*> ptrs;
  ptrs.reserve(n);
  for (const auto& s : states) ptrs.push_back(&s);
  std::string out;
  for (auto _ : state) {
    out.clear();
    metrics::write_targets(out, ptrs);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(out.size()));
  state.counters["body_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_WriteTargets)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// The same with a fresh string per scrape (page faults of a new multi-megabyte buffer).
void BM_WriteTargetsFreshBuffer(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto states = make_states(n);
  std::vector<const metrics::TargetState*> ptrs;
  ptrs.reserve(n);
  for (const auto& s : states) ptrs.push_back(&s);
  for (auto _ : state) {
    std::string out;
    metrics::write_targets(out, ptrs);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_WriteTargetsFreshBuffer)->Arg(10000)->Unit(benchmark::kMillisecond);

// What /metrics does: pieces of 512 KiB, one buffer reused; plain, and gzipped as a stream
// (Prometheus asks for gzip, and zlib's fastest level is then most of the cost).
void BM_StreamTargets(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const bool gzip = state.range(1) != 0;
  const auto states = make_states(n);
  std::vector<const metrics::TargetState*> ptrs;
  ptrs.reserve(n);
  for (const auto& s : states) ptrs.push_back(&s);
  std::string piece;
  std::string packed;
  std::size_t sent = 0;
  for (auto _ : state) {
    metrics::TargetsWriter writer(ptrs);
    http::GzipStream stream;
    sent = 0;
    while (!writer.done()) {
      piece.clear();
      writer.next(piece, 512 * 1024);
      if (gzip) {
        packed.clear();
        stream.write(piece, packed);
        sent += packed.size();
      } else {
        sent += piece.size();
      }
    }
    if (gzip) {
      packed.clear();
      stream.finish(packed);
      sent += packed.size();
    }
    benchmark::DoNotOptimize(piece.data());
  }
  state.counters["body_bytes"] = static_cast<double>(sent);
}
BENCHMARK(BM_StreamTargets)->Args({10000, 0})->Args({10000, 1})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
