// One probe of a mail domain, as a sender sees it: the MX lookup, the addresses of every MX
// over IPv4 and IPv6, the module's SMTP session against each address (concurrently), and what
// the domain publishes about its transport security: the MTA-STS policy and the TLSA records of
// each MX (DANE). Returns a plain DomainResult; it knows nothing of Prometheus.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "dns/resolver.hpp"
#include "domain/mta_sts.hpp"
#include "domain/mx.hpp"
#include "domain/policy_fetch.hpp"
#include "prober/prober.hpp"

namespace smtp_exporter::domain {

using Clock = std::chrono::steady_clock;

enum class Family { ip4, ip6 };
inline std::string_view family_name(Family f) { return f == Family::ip4 ? "ip4" : "ip6"; }
// Whether a module's ip_protocol lets a family be probed (auto: both), and the record type of its addresses.
bool wants(config::IpProtocol protocol, Family family);
dns::RecordType record_type(Family family);

// Why a domain's mail cannot be routed (smtp_domain_dns_failure{reason}); all present at 0.
enum class DnsFailure { none, nxdomain, servfail, bogus, timeout, no_address };
inline constexpr std::array<std::string_view, 5> kDnsFailureNames = {"nxdomain", "servfail", "bogus", "timeout",
                                                                     "no_address"};
// The reason's name; "" for none.
inline std::string_view dns_failure_name(DnsFailure f) {
  return f == DnsFailure::none ? "" : kDnsFailureNames[static_cast<std::size_t>(f) - 1];
}

// One (MX, address) and its session.
struct AddressProbe {
  std::string mx;
  std::string address;  // "127.0.0.2", "::1"
  Family family = Family::ip4;
  prober::ProbeResult result;
  std::string ptr;                  // the address's PTR name, "" if none
  bool fcrdns = false;              // the PTR name resolves back to the address
  bool banner_matches_ptr = false;  // the greeting's host name is the PTR name
  // Only for an MX with usable TLSA records and a TLS session; false for every address of an MX
  // whose TLSA answer was bogus.
  std::optional<bool> dane_match;
};

struct MxReport {
  MxHost host;
  std::size_t tlsa_usable = 0;   // usable TLSA records (0 in an insecure zone)
  bool tlsa_secure = false;      // the TLSA answer validated
  bool tlsa_bogus = false;       // it failed validation: a failure, never "no DANE"
  bool sts_covered = false;      // a policy mx pattern matches the name
};

struct StsReport {
  bool checked = false;
  bool record_present = false;  // TXT _mta-sts.<domain> "v=STSv1; id=..."
  std::string id;
  bool fetched = false;         // the policy came and parsed
  std::string detail;           // why not
  std::optional<StsPolicy> policy;
};

struct DomainResult {
  MxSet::Kind kind = MxSet::Kind::listed;
  std::size_t mx_found = 0;  // MX records, before the cap
  DnsFailure dns_failure = DnsFailure::none;
  std::string detail;        // for logs: why the DNS part failed
  std::vector<MxReport> mx;
  std::vector<AddressProbe> addresses;  // MX order, then IPv6 before IPv4 as senders try them
  StsReport sts;
  std::string refused_address;  // an MX address that allow_address refused: no session ran
  double duration_seconds = 0;
};

// Runs one SMTP session; the caller decides how (within the global cap of probes in flight).
using SessionRunner = std::function<boost::asio::awaitable<prober::ProbeResult>(prober::ProbeRequest)>;

struct DomainRequest {
  std::string domain;  // lower case, no trailing dot
  std::uint16_t port = 25;
  std::shared_ptr<const config::Module> module;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // the module's, shared
  Clock::time_point deadline;
  std::size_t max_mx = 10;
  std::size_t max_addresses_per_mx = 4;  // both families together (pick_addresses)
  bool check_mta_sts = true;
  bool check_dane = true;
  PolicyFetchOptions policy_fetch;
  SessionRunner run_session;  // null: prober::probe, with no cap
  // Whether an SMTP session may go to this address (/probe's --probe.allow); null: every one.
  // One refused address stops the probe before any session.
  std::function<bool(const std::string& address)> allow_address;
};

boost::asio::awaitable<DomainResult> probe_domain(const DomainRequest& request, dns::Resolver& resolver);

}  // namespace smtp_exporter::domain
