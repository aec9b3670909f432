#include "metrics/loop_state.hpp"

#include <algorithm>

#include "metrics/families.hpp"
#include "metrics/writer.hpp"

namespace smtp_exporter::metrics {
namespace {

void add_to(std::vector<std::pair<std::string, double>>& counters, std::string_view key) {
  const auto found = std::find_if(counters.begin(), counters.end(), [&](const auto& c) { return c.first == key; });
  if (found != counters.end()) ++found->second;
  else counters.emplace_back(key, 1);
}

// `name{loop="x"` then, if given, `,label="value"`; the caller closes the brace.
void open_series(std::string& out, std::string_view name, const LoopState& loop) {
  out.append(name).append("{");
  append_escaped_label(out, "loop", loop.name());
}

void sample(std::string& out, double value) {
  out.append("} ");
  append_double(out, value);
  out.push_back('\n');
}

void one_value(std::string& out, const Family& family, const LoopState& loop, double value) {
  open_series(out, family.metrics.name, loop);
  sample(out, value);
}

void by_label(std::string& out, const Family& family, const LoopState& loop, std::string_view label,
              const std::vector<std::pair<std::string, double>>& values) {
  for (const auto& [key, value] : values) {
    open_series(out, family.metrics.name, loop);
    out.push_back(',');
    append_escaped_label(out, label, key);
    sample(out, value);
  }
}

void histogram(std::string& out, const Family& family, const LoopState& loop) {
  const LoopValues& v = loop.values();
  const std::string bucket = std::string(family.metrics.name) + "_bucket";
  for (std::size_t i = 0; i <= v.bounds.size(); ++i) {
    open_series(out, bucket, loop);
    out.append(",le=\"");
    if (i < v.bounds.size()) append_le_value(out, v.bounds[i]);
    else out.append("+Inf");
    out.push_back('"');
    sample(out, i < v.bounds.size() ? v.bucket_counts[i] : v.roundtrip_count);
  }
  open_series(out, std::string(family.metrics.name) + "_sum", loop);
  sample(out, v.roundtrip_sum);
  open_series(out, std::string(family.metrics.name) + "_count", loop);
  sample(out, v.roundtrip_count);
}

}  // namespace

LoopState::LoopState(std::string name, std::vector<double> bounds, std::span<const std::string_view> send_reasons,
                     std::span<const std::string_view> receive_reasons)
    : name_(std::move(name)) {
  for (const std::string_view reason : send_reasons) values_.send_failures.emplace_back(reason, 0);
  for (const std::string_view reason : receive_reasons) values_.receive_failures.emplace_back(reason, 0);
  values_.received.emplace_back("INBOX", 0);
  values_.bucket_counts.assign(bounds.size(), 0);
  values_.bounds = std::move(bounds);
}

void LoopState::send_failed(std::string_view reason) { add_to(values_.send_failures, reason); }

void LoopState::know_folder(std::string_view folder) {
  const auto found = std::find_if(values_.received.begin(), values_.received.end(),
                                  [&](const auto& c) { return c.first == folder; });
  if (found == values_.received.end()) values_.received.emplace_back(folder, 0);
}

void LoopState::received(const LoopArrival& arrival) {
  add_to(values_.received, arrival.folder);
  for (std::size_t i = 0; i < values_.bounds.size(); ++i) {
    if (arrival.roundtrip_seconds <= values_.bounds[i]) ++values_.bucket_counts[i];
  }
  values_.roundtrip_sum += arrival.roundtrip_seconds;
  ++values_.roundtrip_count;
  values_.last_roundtrip = arrival.roundtrip_seconds;
  values_.last_success = arrival.found_at;
  values_.last_queue = arrival.queue_seconds;
  values_.auth_results = arrival.auth_results;
}

void LoopState::receive_failed(std::string_view reason) {
  values_.receive_up = false;
  add_to(values_.receive_failures, reason);
}

void write_loops(std::string& out, const std::vector<const LoopState*>& loops) {
  if (loops.empty()) return;
  // One family at a time, every loop's series in it; a family without series gets no header.
  const auto family = [&](const Family& f, const auto& write) {
    const std::size_t header_at = out.size();
    append_family_header(out, f.metrics);
    const std::size_t body_at = out.size();
    for (const LoopState* loop : loops) write(*loop, loop->values());
    if (out.size() == body_at) out.resize(header_at);
  };
  using V = LoopValues;
  using L = LoopState;
  family(kLoopSent, [&](const L& l, const V& v) { one_value(out, kLoopSent, l, v.sent); });
  family(kLoopSendFailures,
         [&](const L& l, const V& v) { by_label(out, kLoopSendFailures, l, "reason", v.send_failures); });
  family(kLoopReceived, [&](const L& l, const V& v) { by_label(out, kLoopReceived, l, "folder", v.received); });
  family(kLoopLost, [&](const L& l, const V& v) { one_value(out, kLoopLost, l, v.lost); });
  family(kLoopLate, [&](const L& l, const V& v) { one_value(out, kLoopLate, l, v.late); });
  family(kLoopPending, [&](const L& l, const V& v) { one_value(out, kLoopPending, l, v.pending); });
  family(kLoopRoundtrip, [&](const L& l, const V&) { histogram(out, kLoopRoundtrip, l); });
  family(kLoopLastRoundtrip, [&](const L& l, const V& v) { one_value(out, kLoopLastRoundtrip, l, v.last_roundtrip); });
  family(kLoopLastSuccess, [&](const L& l, const V& v) { one_value(out, kLoopLastSuccess, l, v.last_success); });
  family(kLoopLastQueue, [&](const L& l, const V& v) {
    if (v.last_queue) one_value(out, kLoopLastQueue, l, *v.last_queue);
  });
  family(kLoopAuthResults, [&](const L& l, const V& v) {
    for (const auto& [method, result] : v.auth_results) {
      open_series(out, kLoopAuthResults.metrics.name, l);
      out.push_back(',');
      append_escaped_label(out, "method", method);
      out.push_back(',');
      append_escaped_label(out, "result", result);
      sample(out, 1);
    }
  });
  family(kLoopReceiveUp, [&](const L& l, const V& v) { one_value(out, kLoopReceiveUp, l, v.receive_up ? 1 : 0); });
  family(kLoopReceiveFailures,
         [&](const L& l, const V& v) { by_label(out, kLoopReceiveFailures, l, "reason", v.receive_failures); });
}

}  // namespace smtp_exporter::metrics
