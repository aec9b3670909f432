// DomainResult values for the metrics tests, built directly (no DNS, no sessions).
#pragma once

#include <string>
#include <utility>

#include "domain/domain_probe.hpp"
#include "test_values.hpp"

namespace smtp_exporter::metrics::test {

inline domain::AddressProbe address_probe(std::string mx, std::string address, domain::Family family,
                                          prober::ProbeResult result) {
  domain::AddressProbe p;
  p.mx = std::move(mx);
  p.address = std::move(address);
  p.family = family;
  p.result = std::move(result);
  p.ptr = p.mx;
  p.fcrdns = true;
  p.banner_matches_ptr = true;
  return p;
}

inline domain::MxReport mx_report(std::string name, std::uint16_t preference) {
  domain::MxReport r;
  r.host = {std::move(name), preference};
  return r;
}

// example.org: MX mx1 (10) and mx2 (20), each with an IPv6 and an IPv4 address; every session
// passes (latency 0.2) but mx2's IPv4 address, which refuses the connection.
inline domain::DomainResult two_mx_result() {
  using domain::Family;
  domain::DomainResult d;
  d.kind = domain::MxSet::Kind::listed;
  d.mx_found = 2;
  d.mx = {mx_report("mx1.example.org", 10), mx_report("mx2.example.org", 20)};
  d.addresses = {
      address_probe("mx1.example.org", "2001:db8::1", Family::ip6, passed_probe(0.2)),
      address_probe("mx1.example.org", "192.0.2.1", Family::ip4, passed_probe(0.2)),
      address_probe("mx2.example.org", "2001:db8::2", Family::ip6, passed_probe(0.2)),
      address_probe("mx2.example.org", "192.0.2.2", Family::ip4, failed_probe(prober::Failure::connect_refused)),
  };
  d.duration_seconds = 0.75;
  return d;
}

// An MTA-STS policy in enforce mode covering mx1 only.
inline domain::StsReport enforce_policy_for_mx1() {
  domain::StsReport sts;
  sts.checked = true;
  sts.record_present = true;
  sts.id = "20240101T000000";
  sts.fetched = true;
  domain::StsPolicy policy;
  policy.mode = domain::StsPolicy::Mode::enforce;
  policy.max_age = 604800;
  policy.mx = {"mx1.example.org"};
  sts.policy = policy;
  return sts;
}

}  // namespace smtp_exporter::metrics::test
