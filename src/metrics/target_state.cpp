#include "metrics/target_state.hpp"

#include <algorithm>
#include <cmath>

#include "metrics/writer.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::metrics {
namespace {

void append_label(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += ',';
  out += name;
  out += "=\"";
  append_escaped_label_value(out, value);
  out += '"';
}

}  // namespace

void extension_labels(std::string_view ehlo_text, std::vector<std::string>& out) {
  out = smtp::ehlo_keywords(ehlo_text);  // valid, upper case and unique (a repeated series is invalid)
  std::sort(out.begin(), out.end());
  if (out.size() > kMaxExtensionLabels) out.resize(kMaxExtensionLabels);
}

TargetState::TargetState(TargetIdentity identity, std::vector<double> buckets, double qos_timeout_seconds)
    : identity_(std::move(identity)), bounds_(std::move(buckets)), qos_timeout_(qos_timeout_seconds) {
  // Sorted, finite and distinct, or the exposition would repeat or misorder `le` series;
  // +Inf is always the implicit last bucket.
  std::erase_if(bounds_, [](double b) { return !std::isfinite(b); });
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  bucket_counts_.assign(bounds_.size() + 1, 0);

  std::stable_sort(identity_.labels.begin(), identity_.labels.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  append_label(label_text_, "target", identity_.target);
  append_label(label_text_, "module", identity_.module);
  for (const auto& [name, value] : identity_.labels) append_label(label_text_, name, value);
}

void TargetState::record(const prober::ProbeResult& result, const classify::Verdict& verdict,
                         double wall_time_seconds) {
  has_run_ = true;
  probe_success_ = verdict.probe_success;
  ehlo_success_ = verdict.ehlo_success;
  helo_fallback_ = result.helo_fallback;
  greeting_code_ = result.greeting_code;
  ehlo_code_ = result.ehlo_code;
  phases_ = result.phase_seconds;
  last_failure_ = verdict.reason;
  last_run_ts_ = wall_time_seconds;

  if (result.ehlo_latency_seconds && !std::isnan(*result.ehlo_latency_seconds)) {
    const double latency = *result.ehlo_latency_seconds;
    // `le` is inclusive: a latency equal to a bound (qos itself) belongs to that bound's bucket.
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), latency) - bounds_.begin();
    ++bucket_counts_[static_cast<std::size_t>(bucket)];
    sum_ += latency;
    ++count_;
  }

  ++events_[classify::event_index(verdict.event)];
  // classify() always names a reason for 5509; a reasonless one has no series to count in.
  if (verdict.event == classify::Event::failed && verdict.reason != prober::Failure::none) {
    ++failures_[prober::failure_index(verdict.reason)];
  }

  if (result.ehlo_text != ehlo_text_) {  // a server says the same every time: nothing to redo
    ehlo_text_ = result.ehlo_text;
    extension_labels(ehlo_text_, extensions_);
  }
  if (result.tls) tls_ = result.tls;
}

}  // namespace smtp_exporter::metrics
