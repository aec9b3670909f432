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

#include "metrics/domain_state.hpp"
#include "metrics/domain_text.hpp"

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

// Room for the rest of a line after the target's labels: a label name, `="`, `"} `, a number and
// the newline.
constexpr std::size_t kRestOfLine = 24 + kNumberRoom;

// `name{<target labels>`: label_text() is never empty (target and module are always there), so
// the braces are always needed. Makes room for the rest of the line, with `value_room` bytes of
// label value.
void open_series(Sink& s, std::string_view name, const TargetState& t, std::size_t value_room = 0) {
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

// `safe_value` is one of ours (phase, reason, event, stage): nothing to escape.
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

// open_series() for a histogram's `name_bucket`, `name_sum` and `name_count`; apart, so that the
// other lines do not pay for a suffix.
void open_histogram_series(Sink& s, std::string_view name, std::string_view suffix, const TargetState& t,
                           std::size_t value_room = 0) {
  s.room(name.size() + suffix.size() + 1 + t.label_text().size() + value_room + kRestOfLine);
  s.put(name);
  s.put(suffix);
  s.put('{');
  s.put(t.label_text());
}

void histogram_lines(Sink& s, std::string_view name, const TargetState& t, LeCache& le_cache) {
  auto bucket = [&](std::string_view le, std::uint64_t cumulative) {
    open_histogram_series(s, name, "_bucket", t, le.size());
    s.put(",le=\"");
    s.put(le);
    s.put('"');
    end_series(s, cumulative);
  };
  const auto& le = le_cache.get(t.bucket_bounds());
  const auto& counts = t.bucket_counts();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < le.size(); ++i) {
    cumulative += counts[i];
    bucket(le[i], cumulative);
  }
  bucket("+Inf", t.latency_count());
  open_histogram_series(s, name, "_sum", t);
  end_series(s, t.latency_sum());
  open_histogram_series(s, name, "_count", t);
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

// A /metrics family (described in families.hpp): which targets have series in it, and how to
// write a target's lines, given the family's name.
struct FamilyWriter {
  const FamilyInfo* family;
  bool (*shows)(const TargetState&);
  void (*lines)(Sink&, std::string_view name, const TargetState&, LeCache&);
};

bool every(const TargetState&) { return true; }
bool with_steps(const TargetState& t) { return !t.step_names().empty(); }
bool with_extensions(const TargetState& t) { return !t.extensions().empty(); }
bool with_auth_mechanisms(const TargetState& t) { return !t.auth_mechanisms().empty(); }
bool with_tls(const TargetState& t) { return t.tls().has_value(); }

// The /metrics families in the order they are written, each as one group (HELP, TYPE, then every
// target's lines); a family no target shows is left out, like prometheus-cpp does.
constexpr std::array kFamilyWriters{
    FamilyWriter{&kProbeSuccess.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.probe_success());
                 }},
    FamilyWriter{&kEhloSuccess.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.ehlo_success());
                 }},
    FamilyWriter{&kEhloDuration.metrics, every, histogram_lines},
    FamilyWriter{&kEvents.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (std::size_t i = 0; i < classify::kEventCount; ++i) {
                     labelled_line(s, name, t, "event", classify::kEventNames[i], t.events()[i]);
                   }
                 }},
    FamilyWriter{&kFailures.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (std::size_t i = 0; i < prober::kFailureCount; ++i) {
                     labelled_line(s, name, t, "reason", prober::kFailureNames[i], t.failures()[i]);
                   }
                 }},
    FamilyWriter{&kPhases.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (std::size_t i = 0; i < prober::kPhaseCount; ++i) {
                     labelled_line(s, name, t, "phase", prober::kPhaseNames[i], t.phase_seconds()[i]);
                   }
                 }},
    FamilyWriter{&kReplyCode.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   labelled_line(s, name, t, "stage", "greeting", t.greeting_code());
                   labelled_line(s, name, t, "stage", "ehlo", t.ehlo_code());
                 }},
    FamilyWriter{&kStepSuccess.metrics, with_steps,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (std::size_t i = 0; i < t.steps().size(); ++i) {
                     escaped_line(s, name, t, "step", t.step_names()[i], t.steps()[i].success ? 1 : 0);
                   }
                 }},
    FamilyWriter{&kStepDuration.metrics, with_steps,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (std::size_t i = 0; i < t.steps().size(); ++i) {
                     escaped_line(s, name, t, "step", t.step_names()[i], t.steps()[i].seconds);
                   }
                 }},
    FamilyWriter{&kStepReplyCode.metrics, with_steps,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (std::size_t i = 0; i < t.steps().size(); ++i) {
                     escaped_line(s, name, t, "step", t.step_names()[i], t.steps()[i].reply_code);
                   }
                 }},
    FamilyWriter{&kExtensions.metrics, with_extensions,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (const auto& e : t.extensions()) escaped_line(s, name, t, "extension", e, 1);
                 }},
    FamilyWriter{&kAuthMechanisms.metrics, with_auth_mechanisms,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   for (const auto& m : t.auth_mechanisms()) escaped_line(s, name, t, "mechanism", m, 1);
                 }},
    FamilyWriter{&kAuthBeforeTls.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.auth_offered_before_tls());
                 }},
    FamilyWriter{&kHeloFallback.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.helo_fallback());
                 }},
    // Known from the configuration, so shown before the first probe too.
    FamilyWriter{&kQosTimeout.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.qos_timeout_seconds());
                 }},
    FamilyWriter{&kLastRun.metrics, every,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.last_run_timestamp());
                 }},
    FamilyWriter{&kTlsCertNotAfter.metrics, with_tls,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.tls()->cert_not_after);
                 }},
    FamilyWriter{&kTlsChainNotAfter.metrics, with_tls,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.tls()->chain_not_after);
                 }},
    FamilyWriter{&kTlsVerified.metrics, with_tls,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   gauge_line(s, name, t, t.tls()->verified ? 1 : 0);
                 }},
    FamilyWriter{&kTlsVersion.metrics, with_tls,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   info_line(s, name, t, {{"version", t.tls()->version}});
                 }},
    FamilyWriter{&kTlsCipher.metrics, with_tls,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   info_line(s, name, t, {{"cipher", t.tls()->cipher}});
                 }},
    FamilyWriter{&kTlsCert.metrics, with_tls,
                 [](Sink& s, std::string_view name, const TargetState& t, LeCache&) {
                   const auto& f = *t.tls();
                   info_line(s, name, t,
                             {{"subject_cn", f.subject_cn}, {"issuer_cn", f.issuer_cn}, {"serial", f.serial},
                              {"fingerprint_sha256", f.fingerprint_sha256}});
                 }},
};

constexpr auto kTargetFamilies = [] {
  std::array<FamilyInfo, kFamilyWriters.size()> families;
  for (std::size_t i = 0; i < families.size(); ++i) families[i] = *kFamilyWriters[i].family;
  return families;
}();

}  // namespace

std::span<const FamilyInfo> target_families() { return kTargetFamilies; }

void append_escaped_label_value(std::string& out, std::string_view value) {
  const std::size_t used = out.size();
  out.resize(used + 2 * value.size());  // only at start-up, for label_text(): zero-fill is fine
  out.resize(static_cast<std::size_t>(escape_into(out.data() + used, value) - out.data()));
}

void append_escaped_label(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append("=\"");
  append_escaped_label_value(out, value);
  out += '"';
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

void append_family_header(std::string& out, const FamilyInfo& f) {
  out.append("# HELP ").append(f.name).append(" ").append(f.help);
  out.append("\n# TYPE ").append(f.name).append(" ").append(f.type).append("\n");
}

TargetsWriter::TargetsWriter(std::vector<const TargetState*> targets, std::vector<const DomainState*> domains)
    : targets_(std::move(targets)), domains_(std::move(domains)), le_cache_(std::make_unique<LeCache>()) {
  for (const DomainState* domain : domains_) {
    for (auto& state : domain->address_states()) {
      targets_.push_back(state.get());
      domain_addresses_.push_back(std::move(state));
    }
  }
}
TargetsWriter::~TargetsWriter() = default;
TargetsWriter::TargetsWriter(TargetsWriter&&) noexcept = default;
TargetsWriter& TargetsWriter::operator=(TargetsWriter&&) noexcept = default;

bool TargetsWriter::done() const { return family_ >= kFamilyWriters.size() + domain_family_count(); }

void TargetsWriter::next(std::string& out, std::size_t budget) {
  const std::size_t limit = out.size() + budget;
  if (family_ < kFamilyWriters.size() && !next_session_families(out, limit)) return;
  while (!done()) {
    if (!next_domain_family(out, limit)) return;
  }
}

bool TargetsWriter::next_session_families(std::string& out, std::size_t limit) {
  Sink s(out);
  while (family_ < kFamilyWriters.size()) {
    const FamilyWriter& writer = kFamilyWriters[family_];
    if (target_ == 0) {  // a new family: written only if some target shows in it
      if (std::none_of(targets_.begin(), targets_.end(), [&](const TargetState* t) { return writer.shows(*t); })) {
        ++family_;
        continue;
      }
      put_header(s, *writer.family);
    }
    while (target_ < targets_.size()) {
      const TargetState& t = *targets_[target_++];
      if (writer.shows(t)) writer.lines(s, writer.family->name, t, *le_cache_);
      if (out.size() + s.pending() >= limit) {
        if (target_ == targets_.size()) {
          target_ = 0;
          ++family_;
        }
        s.flush();
        return false;
      }
    }
    target_ = 0;
    ++family_;
  }
  s.flush();
  return true;
}

bool TargetsWriter::next_domain_family(std::string& out, std::size_t limit) {
  const std::size_t index = family_ - kFamilyWriters.size();
  const FamilyInfo& family = domain_family(index).metrics;
  if (target_ == 0) {  // a new family: written only if some domain shows in it
    if (std::none_of(domains_.begin(), domains_.end(),
                     [&](const DomainState* d) { return domain_family_shows(index, d->summary()); })) {
      ++family_;
      return true;
    }
    append_family_header(out, family);
  }
  while (target_ < domains_.size()) {
    const DomainState& domain = *domains_[target_++];
    if (domain_family_shows(index, domain.summary())) {
      write_domain_series(out, index, family.name, domain.label_text(), domain.summary());
    }
    if (out.size() >= limit) {
      if (target_ == domains_.size()) {
        target_ = 0;
        ++family_;
      }
      return false;
    }
  }
  target_ = 0;
  ++family_;
  return true;
}

void write_targets(std::string& out, const std::vector<const TargetState*>& targets,
                   const std::vector<const DomainState*>& domains) {
  TargetsWriter writer(targets, domains);
  // About the size of the output, so `out` grows once; reserving does not touch the memory.
  std::size_t expected = 4096;
  auto add = [&](const TargetState& t) {
    const std::size_t series = kFixedSeriesPerTarget + t.bucket_bounds().size() + t.extensions().size() +
                               t.auth_mechanisms().size() + kSeriesPerStep * t.step_names().size();
    expected += series * (t.label_text().size() + 64);
  };
  for (const TargetState* t : targets) add(*t);
  for (const DomainState* d : domains) {
    for (const auto& t : d->address_states()) add(*t);
    expected += 64 * (d->label_text().size() + 64);  // the domain's own series, about
  }
  out.reserve(out.size() + expected);
  while (!writer.done()) writer.next(out, std::numeric_limits<std::size_t>::max() / 2);
}

}  // namespace smtp_exporter::metrics
