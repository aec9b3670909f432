#include "metrics/writer.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

namespace smtp_exporter::metrics {
namespace {

constexpr std::size_t kNumberRoom = 32;  // a shortest double is 24 characters at most

// Writes `value` escaped at p and returns the new end; needs 2 x value.size() of room.
char* escape_into(char* p, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"' || c == '\n') {
      *p++ = '\\';
      *p++ = c == '\n' ? 'n' : c;
    } else {
      *p++ = c;
    }
  }
  return p;
}

std::string_view special_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return {};
}

// append_double's format at p; needs kNumberRoom.
char* double_into(char* p, double value) {
  if (const auto special = special_text(value); !special.empty()) {
    return std::copy(special.begin(), special.end(), p);
  }
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    return std::to_chars(p, p + kNumberRoom, static_cast<std::int64_t>(value)).ptr;
  }
  return std::to_chars(p, p + kNumberRoom, value).ptr;
}

// Lines are put together in a small buffer that stays in cache and go to `out` in large
// appends: cheaper than appending piece by piece, and than resizing `out` up front (which would
// zero-fill tens of megabytes first). A line checks for room once, then costs a few memcpy.
class Sink {
 public:
  explicit Sink(std::string& out) : out_(out) { reallocate(kChunk); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  void room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) >= n) return;
    flush();
    if (n > kChunk) reallocate(n);  // a line longer than a chunk (very long target labels)
  }
  void flush() {
    out_.append(buf_.get(), p_);
    p_ = buf_.get();
  }
  void put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  void put_escaped(std::string_view s) { p_ = escape_into(p_, s); }
  void put_number(double v) { p_ = double_into(p_, v); }
  void put_number(std::uint64_t v) { p_ = std::to_chars(p_, p_ + kNumberRoom, v).ptr; }
  void put_number(int v) { p_ = std::to_chars(p_, p_ + kNumberRoom, v).ptr; }
  std::size_t pending() const { return static_cast<std::size_t>(p_ - buf_.get()); }

 private:
  static constexpr std::size_t kChunk = 64 * 1024;

  void reallocate(std::size_t size) {
    buf_ = std::make_unique_for_overwrite<char[]>(size);
    p_ = buf_.get();
    end_ = p_ + size;
  }

  std::string& out_;
  std::unique_ptr<char[]> buf_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

void put_header(Sink& s, const FamilyInfo& f) {
  s.room(f.name.size() * 2 + f.help.size() + f.type.size() + 16);
  s.put("# HELP ");
  s.put(f.name);
  s.put(' ');
  s.put(f.help);
  s.put("\n# TYPE ");
  s.put(f.name);
  s.put(' ');
  s.put(f.type);
  s.put('\n');
}

// `name{<target labels>`: label_text() is never empty (target and module are always there), so
// the braces are always needed. Room for the rest of the line: a label name, `="`, `"} `, a
// number, the newline, and `value_room` bytes of label value.
void open_series(Sink& s, std::string_view name, const TargetState& t, std::size_t value_room = 0) {
  constexpr std::size_t kRestOfLine = 24 + kNumberRoom;
  s.room(name.size() + 1 + t.label_text().size() + value_room + kRestOfLine);
  s.put(name);
  s.put('{');
  s.put(t.label_text());
}

template <class Value>
void end_series(Sink& s, Value value) {
  s.put("} ");
  s.put_number(value);
  s.put('\n');
}

void gauge_line(Sink& s, std::string_view name, const TargetState& t, double value) {
  open_series(s, name, t);
  end_series(s, value);
}

// `safe_value` is one of ours (phase, reason, event, stage, le): nothing to escape.
template <class Value>
void labelled_line(Sink& s, std::string_view name, const TargetState& t, std::string_view label,
                   std::string_view safe_value, Value value) {
  open_series(s, name, t, safe_value.size());
  s.put(',');
  s.put(label);
  s.put("=\"");
  s.put(safe_value);
  s.put('"');
  end_series(s, value);
}

}  // namespace

// The rendered `le` values per distinct set of bounds (one per module, so a handful): formatting
// them for every target would cost more than the rest of the histogram.
class LeCache {
 public:
  const std::vector<std::string>& get(const std::vector<double>& bounds) {
    for (const auto& e : entries_) {
      if (e.bounds == bounds) return e.text;
    }
    auto& e = entries_.emplace_back();
    e.bounds = bounds;
    for (double b : bounds) append_le_value(e.text.emplace_back(), b);
    return e.text;
  }

 private:
  struct Entry {
    std::vector<double> bounds;
    std::vector<std::string> text;
  };
  std::vector<Entry> entries_;
};

namespace {

constexpr FamilyInfo kProbeSuccess{"smtp_probe_success", "gauge",
                                   "1 if the last probe passed every check within 2 x QoS."};
constexpr FamilyInfo kEhloSuccess{"smtp_ehlo_success", "gauge",
                                  "1 if the last probe got a final 250 to EHLO/HELO within 2 x QoS."};
constexpr FamilyInfo kEhloDuration{
    "smtp_ehlo_duration_seconds", "histogram",
    "QoS latency: TCP connect start to the final 250 of EHLO (or HELO)."};
constexpr FamilyInfo kEvents{"smtp_probe_events_total", "counter",
                             "Probes by ELM event: 5510 within QoS, 5511 within 2 x QoS, 5509 failed."};
constexpr FamilyInfo kFailures{"smtp_probe_failures_total", "counter",
                               "Failed (5509) probes by reason."};
constexpr FamilyInfo kPhases{"smtp_probe_phase_duration_seconds", "gauge",
                             "Seconds each phase of the last probe took; 0 if it did not run."};
constexpr FamilyInfo kReplyCode{"smtp_reply_code", "gauge",
                                "Last SMTP reply code of the last probe per stage; 0 if none."};
constexpr FamilyInfo kStepSuccess{"smtp_step_success", "gauge",
                                  "1 if the module's step went as expected in the last probe; 0 if it did not run."};
constexpr FamilyInfo kStepDuration{"smtp_step_duration_seconds", "gauge",
                                   "Seconds the module's step took in the last probe; 0 if it did not run."};
constexpr FamilyInfo kStepReplyCode{"smtp_step_reply_code", "gauge",
                                    "Last SMTP reply code of the module's step in the last probe; 0 if none."};
constexpr FamilyInfo kExtensions{"smtp_ehlo_extension_info", "gauge",
                                 "EHLO keywords the server advertised in the last probe."};
constexpr FamilyInfo kAuthMechanisms{"smtp_auth_mechanism_info", "gauge",
                                     "SASL mechanisms the server advertised in the last EHLO; unknown ones as other."};
constexpr FamilyInfo kAuthBeforeTls{"smtp_auth_offered_before_tls", "gauge",
                                    "1 if the last probe saw AUTH advertised on a connection without TLS."};
constexpr FamilyInfo kHeloFallback{"smtp_helo_fallback", "gauge",
                                   "1 if the last probe had to fall back from EHLO to HELO."};
constexpr FamilyInfo kQosTimeout{"smtp_qos_timeout_seconds", "gauge",
                                 "Configured QoS time; 2 x QoS is the failure limit."};
constexpr FamilyInfo kLastRun{"smtp_probe_last_run_timestamp_seconds", "gauge",
                              "Unix time the last probe finished; 0 before the first."};

constexpr std::array kFamilies{
    kProbeSuccess, kEhloSuccess, kEhloDuration, kEvents, kFailures, kPhases, kReplyCode,
    kStepSuccess, kStepDuration, kStepReplyCode,
    kExtensions, kAuthMechanisms, kAuthBeforeTls, kHeloFallback, kQosTimeout, kLastRun};

// TLS facts: only for targets that completed a handshake.
constexpr FamilyInfo kTlsNotAfter{"smtp_tls_cert_not_after_timestamp_seconds", "gauge",
                                  "notAfter of the server's leaf certificate (Unix time)."};
constexpr FamilyInfo kTlsChainNotAfter{"smtp_tls_chain_not_after_timestamp_seconds", "gauge",
                                       "Earliest notAfter in the presented certificate chain (Unix time)."};
constexpr FamilyInfo kTlsVerified{"smtp_tls_cert_verified", "gauge",
                                  "1 if the certificate chain and name verified in the last handshake."};
constexpr FamilyInfo kTlsVersion{"smtp_tls_version_info", "gauge", "Negotiated TLS version, 1."};
constexpr FamilyInfo kTlsCipher{"smtp_tls_cipher_info", "gauge", "Negotiated TLS cipher, 1."};
constexpr FamilyInfo kTlsCert{"smtp_tls_cert_info", "gauge", "The server's leaf certificate, 1."};

// One family: which targets have series in it, and their lines. The families are written in
// this order, each as one group (HELP, TYPE, then every target's lines); a family no target
// shows is left out, like prometheus-cpp does.
struct Step {
  const FamilyInfo* family;
  bool (*shows)(const TargetState&);
  void (*lines)(Sink&, const TargetState&, LeCache&);
};

bool every(const TargetState&) { return true; }
bool with_steps(const TargetState& t) { return !t.step_names().empty(); }
bool with_extensions(const TargetState& t) { return !t.extensions().empty(); }
bool with_auth_mechanisms(const TargetState& t) { return !t.auth_mechanisms().empty(); }
bool with_tls(const TargetState& t) { return t.tls().has_value(); }

void histogram_lines(Sink& s, const TargetState& t, LeCache& le_cache) {
  constexpr std::string_view bucket = "smtp_ehlo_duration_seconds_bucket";
  const auto& le = le_cache.get(t.bucket_bounds());
  const auto& counts = t.bucket_counts();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < le.size(); ++i) {
    cumulative += counts[i];
    labelled_line(s, bucket, t, "le", le[i], cumulative);
  }
  labelled_line(s, bucket, t, "le", "+Inf", t.latency_count());
  gauge_line(s, "smtp_ehlo_duration_seconds_sum", t, t.latency_sum());
  open_series(s, "smtp_ehlo_duration_seconds_count", t);
  end_series(s, t.latency_count());
}

// labelled_line() for a value that is not one of ours (from the server or the configuration):
// escaped, though checked already.
template <class Value>
void escaped_line(Sink& s, std::string_view name, const TargetState& t, std::string_view label,
                  std::string_view value, Value number) {
  open_series(s, name, t, 2 * value.size());
  s.put(',');
  s.put(label);
  s.put("=\"");
  s.put_escaped(value);
  s.put('"');
  end_series(s, number);
}

// `name{<target labels>,k1="v1",...} 1` with values from the server: escaped.
void info_line(Sink& s, std::string_view name, const TargetState& t,
               std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  std::size_t room = 0;
  for (const auto& [k, v] : labels) room += k.size() + 4 + 2 * v.size();
  open_series(s, name, t, room);
  for (const auto& [k, v] : labels) {
    s.put(',');
    s.put(k);
    s.put("=\"");
    s.put_escaped(v);
    s.put('"');
  }
  end_series(s, 1);
}

const std::array kSteps{
    Step{&kProbeSuccess, every,
         [](Sink& s, const TargetState& t, LeCache&) { gauge_line(s, kProbeSuccess.name, t, t.probe_success()); }},
    Step{&kEhloSuccess, every,
         [](Sink& s, const TargetState& t, LeCache&) { gauge_line(s, kEhloSuccess.name, t, t.ehlo_success()); }},
    Step{&kEhloDuration, every, histogram_lines},
    Step{&kEvents, every,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (std::size_t i = 0; i < classify::kEventCount; ++i) {
             labelled_line(s, kEvents.name, t, "event", classify::kEventNames[i], t.events()[i]);
           }
         }},
    Step{&kFailures, every,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (std::size_t i = 0; i < prober::kFailureCount; ++i) {
             labelled_line(s, kFailures.name, t, "reason", prober::kFailureNames[i], t.failures()[i]);
           }
         }},
    Step{&kPhases, every,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (std::size_t i = 0; i < prober::kPhaseCount; ++i) {
             labelled_line(s, kPhases.name, t, "phase", prober::kPhaseNames[i], t.phase_seconds()[i]);
           }
         }},
    Step{&kReplyCode, every,
         [](Sink& s, const TargetState& t, LeCache&) {
           labelled_line(s, kReplyCode.name, t, "stage", "greeting", t.greeting_code());
           labelled_line(s, kReplyCode.name, t, "stage", "ehlo", t.ehlo_code());
         }},
    // The module's steps: only for targets whose module has some.
    Step{&kStepSuccess, with_steps,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (std::size_t i = 0; i < t.steps().size(); ++i) {
             escaped_line(s, kStepSuccess.name, t, "step", t.step_names()[i], t.steps()[i].success ? 1 : 0);
           }
         }},
    Step{&kStepDuration, with_steps,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (std::size_t i = 0; i < t.steps().size(); ++i) {
             escaped_line(s, kStepDuration.name, t, "step", t.step_names()[i], t.steps()[i].seconds);
           }
         }},
    Step{&kStepReplyCode, with_steps,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (std::size_t i = 0; i < t.steps().size(); ++i) {
             escaped_line(s, kStepReplyCode.name, t, "step", t.step_names()[i], t.steps()[i].reply_code);
           }
         }},
    Step{&kExtensions, with_extensions,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (const auto& e : t.extensions()) escaped_line(s, kExtensions.name, t, "extension", e, 1);
         }},
    Step{&kAuthMechanisms, with_auth_mechanisms,
         [](Sink& s, const TargetState& t, LeCache&) {
           for (const auto& m : t.auth_mechanisms()) escaped_line(s, kAuthMechanisms.name, t, "mechanism", m, 1);
         }},
    Step{&kAuthBeforeTls, every,
         [](Sink& s, const TargetState& t, LeCache&) {
           gauge_line(s, kAuthBeforeTls.name, t, t.auth_offered_before_tls());
         }},
    Step{&kHeloFallback, every,
         [](Sink& s, const TargetState& t, LeCache&) { gauge_line(s, kHeloFallback.name, t, t.helo_fallback()); }},
    // Known from the configuration, so shown before the first probe too.
    Step{&kQosTimeout, every,
         [](Sink& s, const TargetState& t, LeCache&) { gauge_line(s, kQosTimeout.name, t, t.qos_timeout_seconds()); }},
    Step{&kLastRun, every,
         [](Sink& s, const TargetState& t, LeCache&) { gauge_line(s, kLastRun.name, t, t.last_run_timestamp()); }},
    // TLS facts: only for targets that completed a handshake.
    Step{&kTlsNotAfter, with_tls,
         [](Sink& s, const TargetState& t, LeCache&) { gauge_line(s, kTlsNotAfter.name, t, t.tls()->cert_not_after); }},
    Step{&kTlsChainNotAfter, with_tls,
         [](Sink& s, const TargetState& t, LeCache&) {
           gauge_line(s, kTlsChainNotAfter.name, t, t.tls()->chain_not_after);
         }},
    Step{&kTlsVerified, with_tls,
         [](Sink& s, const TargetState& t, LeCache&) { gauge_line(s, kTlsVerified.name, t, t.tls()->verified ? 1 : 0); }},
    Step{&kTlsVersion, with_tls,
         [](Sink& s, const TargetState& t, LeCache&) { info_line(s, kTlsVersion.name, t, {{"version", t.tls()->version}}); }},
    Step{&kTlsCipher, with_tls,
         [](Sink& s, const TargetState& t, LeCache&) { info_line(s, kTlsCipher.name, t, {{"cipher", t.tls()->cipher}}); }},
    Step{&kTlsCert, with_tls,
         [](Sink& s, const TargetState& t, LeCache&) {
           const auto& f = *t.tls();
           info_line(s, kTlsCert.name, t,
                     {{"subject_cn", f.subject_cn}, {"issuer_cn", f.issuer_cn}, {"serial", f.serial},
                      {"fingerprint_sha256", f.fingerprint_sha256}});
         }},
};

}  // namespace

std::span<const FamilyInfo> target_families() { return kFamilies; }

void append_escaped_label_value(std::string& out, std::string_view value) {
  const std::size_t used = out.size();
  out.resize(used + 2 * value.size());  // only at start-up, for label_text(): zero-fill is fine
  out.resize(static_cast<std::size_t>(escape_into(out.data() + used, value) - out.data()));
}

void append_double(std::string& out, double value) {
  std::array<char, kNumberRoom> buf;
  out.append(buf.data(), double_into(buf.data(), value));
}

void append_le_value(std::string& out, double bound) {
  if (const auto special = special_text(bound); !special.empty()) {
    out += special;
    return;
  }
  // Go's shortest %g: scientific when the decimal exponent is < -4 or >= 6, else plain digits.
  std::array<char, kNumberRoom> buf;
  auto end = std::to_chars(buf.data(), buf.data() + buf.size(), bound, std::chars_format::scientific).ptr;
  const char* exp_text = std::find(buf.data(), end, 'e') + 1;
  if (*exp_text == '+') ++exp_text;  // from_chars takes '-' only
  int exponent = 0;
  std::from_chars(exp_text, end, exponent);
  if (exponent >= -4 && exponent < 6) {
    end = std::to_chars(buf.data(), buf.data() + buf.size(), bound, std::chars_format::fixed).ptr;
  }
  out.append(buf.data(), end);  // scientific as Go writes it too: "1e+06", two exponent digits
}

TargetsWriter::TargetsWriter(std::vector<const TargetState*> targets)
    : targets_(std::move(targets)), le_cache_(std::make_unique<LeCache>()) {}
TargetsWriter::~TargetsWriter() = default;
TargetsWriter::TargetsWriter(TargetsWriter&&) noexcept = default;
TargetsWriter& TargetsWriter::operator=(TargetsWriter&&) noexcept = default;

bool TargetsWriter::done() const { return step_ >= kSteps.size(); }

void TargetsWriter::next(std::string& out, std::size_t budget) {
  const std::size_t limit = out.size() + budget;
  Sink s(out);
  while (step_ < kSteps.size()) {
    const Step& step = kSteps[step_];
    if (target_ == 0) {  // a new family: written only if some target shows in it
      if (std::none_of(targets_.begin(), targets_.end(), [&](const TargetState* t) { return step.shows(*t); })) {
        ++step_;
        continue;
      }
      put_header(s, *step.family);
    }
    while (target_ < targets_.size()) {
      const TargetState& t = *targets_[target_++];
      if (step.shows(t)) step.lines(s, t, *le_cache_);
      if (out.size() + s.pending() >= limit) {
        if (target_ == targets_.size()) {
          target_ = 0;
          ++step_;
        }
        s.flush();
        return;
      }
    }
    target_ = 0;
    ++step_;
  }
  s.flush();
}

void write_targets(std::string& out, const std::vector<const TargetState*>& targets) {
  // About the size of the output, so `out` grows once; reserving does not touch the memory.
  std::size_t expected = 4096;
  for (const TargetState* t : targets) {
    const std::size_t series = kFixedSeriesPerTarget + t->bucket_bounds().size() + t->extensions().size() +
                               t->auth_mechanisms().size() + kSeriesPerStep * t->step_names().size();
    expected += series * (t->label_text().size() + 64);
  }
  out.reserve(out.size() + expected);
  TargetsWriter writer(targets);
  while (!writer.done()) writer.next(out, std::numeric_limits<std::size_t>::max() / 2);
}

}  // namespace smtp_exporter::metrics
