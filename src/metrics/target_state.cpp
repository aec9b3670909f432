#include "metrics/target_state.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "metrics/writer.hpp"
#include "smtp/command.hpp"
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

// SASL mechanisms mail servers are known to offer, each its own label value; any other name a
// server advertises is shown as "other".
constexpr std::string_view kKnownAuthMechanisms[] = {
    "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
    "SCRAM-SHA-256-PLUS", "XOAUTH2", "OAUTHBEARER", "GSSAPI", "NTLM", "ANONYMOUS", "EXTERNAL"};

}  // namespace

void extension_labels(std::string_view ehlo_text, std::vector<std::string>& out) {
  out = smtp::ehlo_keywords(ehlo_text);  // valid, upper case and unique (a repeated series is invalid)
  std::sort(out.begin(), out.end());
  if (out.size() > kMaxExtensionLabels) out.resize(kMaxExtensionLabels);
}

void auth_mechanism_labels(std::string_view ehlo_text, std::vector<std::string>& out) {
  out.clear();
  for (auto& name : smtp::auth_mechanisms(ehlo_text)) {  // upper case already
    const bool known = std::ranges::find(kKnownAuthMechanisms, name) != std::end(kKnownAuthMechanisms);
    out.push_back(known ? std::move(name) : "other");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

StepValues step_values(std::string_view name, const std::vector<prober::StepRecord>& steps) {
  const auto record =
      std::find_if(steps.begin(), steps.end(), [&](const prober::StepRecord& r) { return r.name == name; });
  if (record == steps.end()) return {};  // the dialog stopped before this step
  return {record->outcome == prober::Outcome::as_expected, record->seconds, record->reply_code};
}

TargetState::TargetState(TargetIdentity identity, std::vector<double> buckets, double qos_timeout_seconds,
                         std::vector<std::string> step_names)
    : identity_(std::move(identity)),
      bounds_(std::move(buckets)),
      step_names_(std::move(step_names)),
      steps_(step_names_.size()),
      qos_timeout_(qos_timeout_seconds) {
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
  auth_offered_before_tls_ = result.auth_offered_before_tls;
  for (std::size_t i = 0; i < step_names_.size(); ++i) steps_[i] = step_values(step_names_[i], result.steps);

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
    auth_mechanism_labels(ehlo_text_, auth_mechanisms_);
  }
  if (result.tls) tls_ = result.tls;
}

}  // namespace smtp_exporter::metrics
