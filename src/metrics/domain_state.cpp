#include "metrics/domain_state.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "metrics/writer.hpp"

namespace smtp_exporter::metrics {
namespace {

// Whether every value seen is the same; true for none or one.
template <class T>
class Agreement {
 public:
  void see(const T& value) {
    if (!first_) {
      first_ = value;
    } else if (*first_ != value) {
      agree_ = false;
    }
  }
  bool agree() const { return agree_; }

 private:
  std::optional<T> first_;
  bool agree_ = true;
};

// The TCP connection reached the server: it could tell us something about TLS and EHLO.
bool reached(const prober::ProbeResult& r) {
  using prober::Failure;
  return r.failure != Failure::resolve && r.failure != Failure::connect_refused &&
         r.failure != Failure::connect_timeout;
}

bool is_domain_label(std::string_view name) {
  return std::find(kDomainLabelNames.begin(), kDomainLabelNames.end(), name) != kDomainLabelNames.end();
}

std::array<bool, kAspectCount> consistency(const std::vector<ClassifiedAddress>& addresses,
                                           const DomainChecks& checks) {
  Agreement<bool> starttls, tls_verified, probe_success;
  Agreement<std::vector<std::string>> extensions;
  // Per MX and family_index(): whether it has probed addresses, and whether some passed.
  struct Parity {
    std::array<bool, 2> present{};
    std::array<bool, 2> passed{};
  };
  std::map<std::string_view, Parity> parity;

  std::vector<std::string> keywords;
  for (const auto& [probe, verdict] : addresses) {
    const prober::ProbeResult& r = probe->result;
    probe_success.see(verdict.probe_success);

    Parity& p = parity[probe->mx];
    p.present[family_index(probe->family)] = true;
    if (verdict.probe_success) p.passed[family_index(probe->family)] = true;

    if (!reached(r)) continue;
    const bool ehlo_answered = r.ehlo_code == 250;
    if (ehlo_answered) {
      extension_labels(r.ehlo_text, keywords);
      extensions.see(keywords);
    }
    if (checks.module_tls) {
      starttls.see(r.tls.has_value());
    } else if (ehlo_answered) {
      starttls.see(std::find(keywords.begin(), keywords.end(), "STARTTLS") != keywords.end());
    }
    if (r.tls) tls_verified.see(r.tls->verified);
  }

  bool family_parity = true;
  for (const auto& [mx, p] : parity) {
    if (p.present[0] && p.present[1] && p.passed[0] != p.passed[1]) family_parity = false;
  }

  std::array<bool, kAspectCount> out{};
  out[static_cast<std::size_t>(Aspect::starttls)] = starttls.agree();
  out[static_cast<std::size_t>(Aspect::tls_verified)] = tls_verified.agree();
  out[static_cast<std::size_t>(Aspect::extensions)] = extensions.agree();
  out[static_cast<std::size_t>(Aspect::probe_success)] = probe_success.agree();
  out[static_cast<std::size_t>(Aspect::family_parity)] = family_parity;
  return out;
}

}  // namespace

std::shared_ptr<TargetState> DomainState::take(std::vector<AddressEntry>& entries, std::string_view mx,
                                               std::string_view address) {
  for (auto& entry : entries) {
    if (entry.state && entry.mx == mx && entry.address == address) return std::move(entry.state);
  }
  return nullptr;
}

std::vector<ClassifiedAddress> classify_addresses(const domain::DomainResult& result, double qos_timeout_seconds) {
  std::vector<ClassifiedAddress> out;
  std::set<std::pair<std::string_view, std::string_view>> seen;  // (MX, address): one series each
  for (const auto& probe : result.addresses) {
    if (probe.result.exporter_error) continue;
    if (!seen.emplace(probe.mx, probe.address).second) continue;
    out.push_back({&probe, classify::classify(probe.result, std::chrono::duration<double>(qos_timeout_seconds))});
  }
  return out;
}

DomainSummary summarize(const domain::DomainResult& result, const std::vector<ClassifiedAddress>& addresses,
                        const DomainChecks& checks) {
  DomainSummary s;
  s.mx_hosts = result.mx_found;
  s.null_mx = result.kind == domain::MxSet::Kind::null_mx;
  s.dns_failure = result.dns_failure;
  for (const auto& [probe, verdict] : addresses) {
    const std::size_t family = family_index(probe->family);
    ++s.addresses[family];
    if (verdict.probe_success) ++s.addresses_up[family];
    s.addresses_probed.push_back(
        {probe->mx, probe->address, probe->fcrdns, probe->banner_matches_ptr, probe->dane_match});
  }
  s.success = s.addresses_up[0] + s.addresses_up[1] > 0 || (s.null_mx && checks.expect_null_mx);
  s.consistent = consistency(addresses, checks);

  const domain::StsReport& sts = result.sts;
  s.sts_checked = sts.checked;
  s.sts_record_present = sts.record_present;
  if (sts.record_present) s.sts_id = sts.id;
  s.sts_fetched = sts.fetched && sts.policy.has_value();
  if (sts.policy) {
    s.sts_mode = sts.policy->mode;
    s.sts_max_age = sts.policy->max_age;
  }

  s.dane_checked = checks.dane;
  for (const auto& mx : result.mx) {
    s.mx.push_back({mx.host.name, mx.sts_covered, mx.tlsa_usable, mx.tlsa_secure});
  }
  return s;
}

DomainState::DomainState(TargetIdentity identity, std::vector<double> buckets, double qos_timeout_seconds,
                         std::vector<std::string> step_names, DomainChecks checks)
    : identity_(std::move(identity)),
      buckets_(std::move(buckets)),
      qos_timeout_(qos_timeout_seconds),
      step_names_(std::move(step_names)),
      checks_(checks) {
  // The domain's series carry these labels themselves; a target label of the same name would
  // repeat a label (the configuration should reserve them).
  std::erase_if(identity_.labels, [](const auto& label) { return is_domain_label(label.first); });
  std::stable_sort(identity_.labels.begin(), identity_.labels.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  append_escaped_label(label_text_, "target", identity_.target);
  label_text_ += ',';
  append_escaped_label(label_text_, "module", identity_.module);
  for (const auto& [name, value] : identity_.labels) {
    label_text_ += ',';
    append_escaped_label(label_text_, name, value);
  }
}

std::shared_ptr<TargetState> DomainState::make_address_state(const domain::AddressProbe& probe) const {
  TargetIdentity identity = identity_;
  identity.labels.emplace_back("mx", probe.mx);
  identity.labels.emplace_back("address", probe.address);
  identity.labels.emplace_back("family", domain::family_name(probe.family));
  return std::make_shared<TargetState>(std::move(identity), buckets_, qos_timeout_, step_names_);
}

std::size_t DomainState::record(const domain::DomainResult& result, double wall_time_seconds) {
  has_run_ = true;
  last_run_timestamp_ = wall_time_seconds;
  const auto addresses = classify_addresses(result, qos_timeout_);
  summary_ = summarize(result, addresses, checks_);

  // The result's addresses in its order: one that stays keeps its state (and so its counters and
  // histogram), a new one starts at 0, one no longer listed is dropped with what is left in `old`.
  std::vector<AddressEntry> old = std::exchange(addresses_, {});
  for (const auto& [probe, verdict] : addresses) {
    auto state = take(old, probe->mx, probe->address);
    if (!state) state = make_address_state(*probe);
    state->record(probe->result, verdict, wall_time_seconds);
    addresses_.push_back({probe->mx, probe->address, std::move(state)});
  }
  // Sessions the exporter could not run: not the domain's fault, so such an address keeps its
  // series as they were (if it had some).
  std::size_t exporter_errors = 0;
  for (const auto& probe : result.addresses) {
    if (!probe.result.exporter_error) continue;
    ++exporter_errors;
    if (auto state = take(old, probe.mx, probe.address)) {
      addresses_.push_back({probe.mx, probe.address, std::move(state)});
    }
  }
  return exporter_errors;
}

std::vector<std::shared_ptr<const TargetState>> DomainState::address_states() const {
  std::vector<std::shared_ptr<const TargetState>> out;
  out.reserve(addresses_.size());
  for (const auto& entry : addresses_) out.push_back(entry.state);
  return out;
}

const TargetState* DomainState::address_state(std::string_view mx, std::string_view address) const {
  for (const auto& entry : addresses_) {
    if (entry.mx == mx && entry.address == address) return entry.state.get();
  }
  return nullptr;
}

}  // namespace smtp_exporter::metrics
