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
  struct Writer {
    const Family* family;
    void (*write)(std::string& out, const Family& family, const LoopState& loop);
  };
  static constexpr Writer kWriters[] = {
      {&kLoopSent, [](std::string& o, const Family& f, const LoopState& l) { one_value(o, f, l, l.values().sent); }},
      {&kLoopSendFailures,
       [](std::string& o, const Family& f, const LoopState& l) { by_label(o, f, l, "reason", l.values().send_failures); }},
      {&kLoopReceived,
       [](std::string& o, const Family& f, const LoopState& l) { by_label(o, f, l, "folder", l.values().received); }},
      {&kLoopLost, [](std::string& o, const Family& f, const LoopState& l) { one_value(o, f, l, l.values().lost); }},
      {&kLoopLate, [](std::string& o, const Family& f, const LoopState& l) { one_value(o, f, l, l.values().late); }},
      {&kLoopPending,
       [](std::string& o, const Family& f, const LoopState& l) { one_value(o, f, l, l.values().pending); }},
      {&kLoopRoundtrip, histogram},
      {&kLoopLastRoundtrip,
       [](std::string& o, const Family& f, const LoopState& l) { one_value(o, f, l, l.values().last_roundtrip); }},
      {&kLoopLastSuccess,
       [](std::string& o, const Family& f, const LoopState& l) { one_value(o, f, l, l.values().last_success); }},
      {&kLoopLastQueue,
       [](std::string& o, const Family& f, const LoopState& l) {
         if (l.values().last_queue) one_value(o, f, l, *l.values().last_queue);
       }},
      {&kLoopAuthResults,
       [](std::string& o, const Family& f, const LoopState& l) {
         for (const auto& [method, result] : l.values().auth_results) {
           open_series(o, f.metrics.name, l);
           o.push_back(',');
           append_escaped_label(o, "method", method);
           o.push_back(',');
           append_escaped_label(o, "result", result);
           sample(o, 1);
         }
       }},
      {&kLoopReceiveUp,
       [](std::string& o, const Family& f, const LoopState& l) { one_value(o, f, l, l.values().receive_up ? 1 : 0); }},
      {&kLoopReceiveFailures,
       [](std::string& o, const Family& f, const LoopState& l) {
         by_label(o, f, l, "reason", l.values().receive_failures);
       }},
  };
  for (const Writer& writer : kWriters) {
    const std::size_t header_at = out.size();
    append_family_header(out, writer.family->metrics);
    const std::size_t body_at = out.size();
    for (const LoopState* loop : loops) writer.write(out, *writer.family, *loop);
    if (out.size() == body_at) out.resize(header_at);  // no series: no header either
  }
}

}  // namespace smtp_exporter::metrics
