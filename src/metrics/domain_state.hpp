// Metric state of a domain target (issue 15): one TargetState per (MX, address), so that each
// session has the same families as an address target, and the domain's own values (MX hosts,
// addresses up, consistency across the pool, MTA-STS, DANE, reverse DNS), updated from each
// DomainResult. No sockets, no prometheus-cpp objects.
//
// The per-address series follow DNS: an (MX, address) that is not in a result loses its series
// at that record(), and one that comes back starts again at 0. rate() and increase() take that
// for a counter reset; the increments before its first scrape are not seen (as for any new
// series), and neither are those of an address that goes and comes back between two scrapes.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classify/qos.hpp"
#include "domain/domain_probe.hpp"
#include "metrics/target_state.hpp"

namespace smtp_exporter::metrics {

// What a domain target checks beyond its module's session (from the target and its module).
struct DomainChecks {
  bool module_tls = false;      // the module negotiates TLS (STARTTLS or implicit)
  bool expect_null_mx = false;  // a null MX is this domain's expected state: success
  bool dane = true;             // TLSA records are looked up: the smtp_dane_* series
};

// smtp_domain_consistent{aspect}: 1 when every address considered agrees, also when fewer than
// two are considered. An address the connection did not reach (resolve or connect failures) is
// considered for probe_success and family_parity only, so that one address down shows there and
// not in every aspect.
//   starttls:      with a TLS module, whether a TLS session was established; without one,
//                  whether the EHLO reply advertised STARTTLS, among the addresses whose last
//                  EHLO got a 250.
//   tls_verified:  the verified flag of the certificate, among the addresses with a TLS session.
//   extensions:    the EHLO keywords (sorted, as smtp_ehlo_extension_info shows them), among the
//                  addresses whose last EHLO got a 250.
//   probe_success: probe_success of every probed address.
//   family_parity: for each MX with probed addresses of both families, whether some IPv4 address
//                  passed and whether some IPv6 address passed are the same.
enum class Aspect { starttls, tls_verified, extensions, probe_success, family_parity };
inline constexpr std::size_t kAspectCount = 5;
inline constexpr std::array<std::string_view, kAspectCount> kConsistencyAspects = {
    "starttls", "tls_verified", "extensions", "probe_success", "family_parity"};

// Label names of the domain families, besides target and module. A target's own label of the
// same name is left out of its domain's series (two labels of one name make a series invalid).
inline constexpr std::array<std::string_view, 7> kDomainLabelNames = {"mx",     "address", "family", "reason",
                                                                      "aspect", "mode",    "id"};

// Index of a family in per-family arrays: ip4 0, ip6 1.
inline constexpr std::size_t family_index(domain::Family f) { return f == domain::Family::ip4 ? 0 : 1; }
inline constexpr std::array<domain::Family, 2> kFamilies = {domain::Family::ip4, domain::Family::ip6};

// An address of a result that counts, with its verdict (ELM's rule, as for an address target).
struct ClassifiedAddress {
  const domain::AddressProbe* probe;
  classify::Verdict verdict;
};

// The addresses of `result` that count, in its order: those the exporter could probe (its own
// failure, exporter_error, is not the domain's), each (MX, address) once.
std::vector<ClassifiedAddress> classify_addresses(const domain::DomainResult& result, double qos_timeout_seconds);

// The domain's own values, as both endpoints show them (families.hpp, "Mail domains").
struct DomainSummary {
  std::size_t mx_hosts = 0;                  // MX records found, before the cap
  std::array<std::size_t, 2> addresses{};    // probed, by family_index()
  std::array<std::size_t, 2> addresses_up{};  // of those, how many passed
  bool success = false;
  bool null_mx = false;
  domain::DnsFailure dns_failure = domain::DnsFailure::none;
  std::array<bool, kAspectCount> consistent = {true, true, true, true, true};

  // MTA-STS: the rest only if checked.
  bool sts_checked = false;
  bool sts_record_present = false;
  std::string sts_id;  // from the TXT record
  bool sts_fetched = false;
  std::optional<domain::StsPolicy::Mode> sts_mode;  // with a policy
  double sts_max_age = 0;

  bool dane_checked = false;

  struct Mx {
    std::string name;
    bool sts_covered = false;
    std::size_t tlsa_usable = 0;
    bool tlsa_secure = false;
  };
  std::vector<Mx> mx;  // the probed MX hosts, in preference order

  struct Address {
    std::string mx;
    std::string address;
    bool fcrdns = false;
    bool banner_matches_ptr = false;
    std::optional<bool> dane_match;
  };
  std::vector<Address> addresses_probed;  // as classify_addresses() lists them
};

DomainSummary summarize(const domain::DomainResult& result, const std::vector<ClassifiedAddress>& addresses,
                        const DomainChecks& checks);

class DomainState {
 public:
  // identity: target is the domain name; buckets: the module's histogram bounds
  // (classify::latency_bounds); step_names: the module's steps, in order.
  DomainState(TargetIdentity identity, std::vector<double> buckets, double qos_timeout_seconds,
              std::vector<std::string> step_names, DomainChecks checks);
  DomainState(const DomainState&) = delete;
  DomainState& operator=(const DomainState&) = delete;
  DomainState(DomainState&&) = default;
  DomainState& operator=(DomainState&&) = default;

  // Folds one domain probe into the state: each address's session into its TargetState (made for
  // an address new to the result, dropped for one no longer in it), and the domain's values.
  // Returns how many sessions the exporter itself could not run (exporter_error): not the domain's
  // fault, so not recorded; such an address keeps its series as they were. Not synchronised: the
  // caller serialises record() and rendering. wall_time_seconds: when it finished (Unix time).
  std::size_t record(const domain::DomainResult& result, double wall_time_seconds);

  const TargetIdentity& identity() const { return identity_; }
  // `target="example.org",module="mx",site="ams"`, values escaped: the labels of the domain's own
  // series.
  const std::string& label_text() const { return label_text_; }
  bool has_run() const { return has_run_; }
  double last_run_timestamp() const { return last_run_timestamp_; }  // Unix time; 0 before the first
  const DomainSummary& summary() const { return summary_; }
  const DomainChecks& checks() const { return checks_; }
  double qos_timeout_seconds() const { return qos_timeout_; }

  // The per-address states of the last result, in its order (MX order, IPv6 first), with the
  // labels mx, address and family. Shared, so that a writer's pointers stay valid when the next
  // record() drops an address.
  std::vector<std::shared_ptr<const TargetState>> address_states() const;
  // The state of one (MX, address); null if it has none.
  const TargetState* address_state(std::string_view mx, std::string_view address) const;

 private:
  struct AddressEntry {
    std::string mx;
    std::string address;
    std::shared_ptr<TargetState> state;
  };

  // The state of (mx, address) taken out of `entries`; null if it is not there.
  static std::shared_ptr<TargetState> take(std::vector<AddressEntry>& entries, std::string_view mx,
                                           std::string_view address);
  std::shared_ptr<TargetState> make_address_state(const domain::AddressProbe& probe) const;

  TargetIdentity identity_;
  std::string label_text_;
  std::vector<double> buckets_;
  double qos_timeout_ = 0;
  std::vector<std::string> step_names_;
  DomainChecks checks_;
  bool has_run_ = false;
  double last_run_timestamp_ = 0;
  DomainSummary summary_;
  std::vector<AddressEntry> addresses_;
};

}  // namespace smtp_exporter::metrics
