#include "metrics/domain_state.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "domain_values.hpp"
#include "exposition.hpp"
#include "metrics/domain_text.hpp"
#include "metrics/probe_text.hpp"
#include "metrics/writer.hpp"

namespace smtp_exporter::metrics {
namespace {

using domain::Family;
using prober::Failure;
using test::series;
using Labels = std::map<std::string, std::string>;

constexpr double kQos = 1;

DomainState make_domain(DomainChecks checks = {}, std::vector<std::string> step_names = {}) {
  return DomainState({"example.org", "mx", {{"site", "ams"}}}, {0.5, 1, 2}, kQos, std::move(step_names), checks);
}

// The labels of a domain's own series, plus `more`.
Labels domain_labels(Labels more = {}) {
  more.insert({{"target", "example.org"}, {"module", "mx"}, {"site", "ams"}});
  return more;
}
// The labels of an (MX, address)'s per-session series, plus `more`.
Labels address_labels(const std::string& mx, const std::string& address, const std::string& family,
                      Labels more = {}) {
  more.insert({{"mx", mx}, {"address", address}, {"family", family}});
  return domain_labels(std::move(more));
}

test::Exposition exposition(const std::vector<const TargetState*>& targets,
                            const std::vector<const DomainState*>& domains) {
  std::string text;
  write_targets(text, targets, domains);
  auto e = test::parse_exposition(text);
  EXPECT_THAT(e.errors, ::testing::IsEmpty()) << text;
  for (const auto& [name, help] : e.help) EXPECT_FALSE(help.empty()) << name;
  EXPECT_EQ(e.help.size(), e.type.size());
  return e;
}
test::Exposition exposition(const DomainState& d) { return exposition({}, {&d}); }

std::size_t series_of(const test::Exposition& e, const std::string& family) {
  std::size_t n = 0;
  for (const auto& [key, value] : e.samples) {
    if (key.starts_with(family + "{")) ++n;
  }
  return n;
}

TEST(DomainState, TwoMxTwoAddressesOneFailing) {
  auto d = make_domain();
  EXPECT_EQ(d.record(test::two_mx_result(), 1700000000), 0u);
  const auto e = exposition(d);

  // Per (MX, address): the families of an address target, labelled.
  const auto mx1_v6 = address_labels("mx1.example.org", "2001:db8::1", "ip6");
  const auto mx2_v4 = address_labels("mx2.example.org", "192.0.2.2", "ip4");
  EXPECT_EQ(e.at(series("smtp_probe_success", mx1_v6)), 1);
  EXPECT_EQ(e.at(series("smtp_probe_success", address_labels("mx1.example.org", "192.0.2.1", "ip4"))), 1);
  EXPECT_EQ(e.at(series("smtp_probe_success", address_labels("mx2.example.org", "2001:db8::2", "ip6"))), 1);
  EXPECT_EQ(e.at(series("smtp_probe_success", mx2_v4)), 0);
  EXPECT_EQ(series_of(e, "smtp_probe_success"), 4u);
  EXPECT_EQ(e.at(series("smtp_ehlo_duration_seconds_count", mx1_v6)), 1);
  EXPECT_EQ(e.at(series("smtp_ehlo_duration_seconds_bucket", address_labels("mx1.example.org", "2001:db8::1", "ip6",
                                                                            {{"le", "0.5"}}))),
            1);
  EXPECT_EQ(e.at(series("smtp_ehlo_duration_seconds_count", mx2_v4)), 0);
  EXPECT_EQ(e.at(series("smtp_probe_events_total", address_labels("mx1.example.org", "2001:db8::1", "ip6",
                                                                   {{"event", "5510"}}))),
            1);
  EXPECT_EQ(e.at(series("smtp_probe_failures_total", address_labels("mx2.example.org", "192.0.2.2", "ip4",
                                                                     {{"reason", "connect_refused"}}))),
            1);
  EXPECT_EQ(e.at(series("smtp_probe_last_run_timestamp_seconds", mx2_v4)), 1700000000);
  EXPECT_EQ(e.at(series("smtp_ehlo_extension_info", address_labels("mx1.example.org", "192.0.2.1", "ip4",
                                                                    {{"extension", "STARTTLS"}}))),
            1);

  // The domain's own.
  EXPECT_EQ(e.at(series("smtp_domain_mx_hosts", domain_labels())), 2);
  EXPECT_EQ(e.at(series("smtp_domain_addresses", domain_labels({{"family", "ip4"}}))), 2);
  EXPECT_EQ(e.at(series("smtp_domain_addresses", domain_labels({{"family", "ip6"}}))), 2);
  EXPECT_EQ(e.at(series("smtp_domain_addresses_up", domain_labels({{"family", "ip4"}}))), 1);
  EXPECT_EQ(e.at(series("smtp_domain_addresses_up", domain_labels({{"family", "ip6"}}))), 2);
  EXPECT_EQ(e.at(series("smtp_domain_success", domain_labels())), 1);
  EXPECT_EQ(e.at(series("smtp_domain_null_mx", domain_labels())), 0);
  for (auto reason : domain::kDnsFailureNames) {
    EXPECT_EQ(e.at(series("smtp_domain_dns_failure", domain_labels({{"reason", std::string(reason)}}))), 0) << reason;
  }
  const std::map<std::string, double> consistent = {{"starttls", 1},       // the refused one tells nothing
                                                    {"tls_verified", 1},   // no TLS anywhere
                                                    {"extensions", 1},
                                                    {"probe_success", 0},
                                                    {"family_parity", 0}};  // mx2: IPv6 up, IPv4 down
  for (const auto& [aspect, value] : consistent) {
    EXPECT_EQ(e.at(series("smtp_domain_consistent", domain_labels({{"aspect", aspect}}))), value) << aspect;
  }
  EXPECT_EQ(e.at(series("smtp_fcrdns_match", domain_labels({{"mx", "mx2.example.org"}, {"address", "192.0.2.2"}}))),
            1);
  EXPECT_EQ(series_of(e, "smtp_banner_name_matches_ptr"), 4u);
  // DANE is checked by default: each MX shows its usable records (none here), and no address has
  // a match series. MTA-STS was not checked: none of its families.
  EXPECT_EQ(series_of(e, "smtp_dane_tlsa_records"), 2u);
  EXPECT_EQ(e.type.count("smtp_dane_match"), 0u);
  for (const auto& [name, type] : e.type) EXPECT_FALSE(name.starts_with("smtp_mta_sts_")) << name;
}

TEST(DomainState, AddressLabelsSortedEscapedAndNotRepeated) {
  // Own labels named like the domain's (mx, address, ...) are left out; the rest sorted.
  DomainState d({"example.org", "mx", {{"zone", "b"}, {"mx", "mine"}, {"env", "prod"}}}, {1}, kQos, {}, {});
  auto r = test::two_mx_result();
  r.addresses.resize(1);
  r.addresses[0].mx = "odd\"mx\\name";
  d.record(r, 1);
  EXPECT_EQ(d.label_text(), R"(target="example.org",module="mx",env="prod",zone="b")");
  ASSERT_EQ(d.address_states().size(), 1u);
  EXPECT_EQ(d.address_states()[0]->label_text(),
            R"(target="example.org",module="mx",address="2001:db8::1",env="prod",family="ip6",mx="odd\"mx\\name",)"
            R"(zone="b")");
  std::string text;
  write_targets(text, {}, {&d});
  const auto e = test::parse_exposition(text);
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  EXPECT_EQ(e.at(series("smtp_fcrdns_match", {{"target", "example.org"},
                                              {"module", "mx"},
                                              {"env", "prod"},
                                              {"zone", "b"},
                                              {"mx", "odd\"mx\\name"},
                                              {"address", "2001:db8::1"}})),
            1);
}

TEST(DomainState, AnAddressGoneFromDnsLosesItsSeriesTheOthersKeepTheirCounters) {
  auto d = make_domain();
  d.record(test::two_mx_result(), 1);
  // A writer made now holds the states it writes, also one the next record drops.
  TargetsWriter before({}, {&d});

  auto second = test::two_mx_result();
  second.addresses.pop_back();  // mx2's IPv4 address is gone
  d.record(second, 2);

  EXPECT_EQ(d.address_state("mx2.example.org", "192.0.2.2"), nullptr);
  ASSERT_NE(d.address_state("mx1.example.org", "2001:db8::1"), nullptr);
  EXPECT_EQ(d.address_state("mx1.example.org", "2001:db8::1")->latency_count(), 2u);
  EXPECT_EQ(d.address_state("mx1.example.org", "2001:db8::1")->events()[0], 2u);

  const auto e = exposition(d);
  EXPECT_EQ(series_of(e, "smtp_probe_success"), 3u);
  EXPECT_EQ(e.at(series("smtp_probe_events_total", address_labels("mx2.example.org", "2001:db8::2", "ip6",
                                                                   {{"event", "5510"}}))),
            2);
  for (const auto& [key, value] : e.samples) EXPECT_EQ(key.find("192.0.2.2"), std::string::npos) << key;
  EXPECT_EQ(e.at(series("smtp_domain_consistent", domain_labels({{"aspect", "probe_success"}}))), 1);
  EXPECT_EQ(e.at(series("smtp_domain_consistent", domain_labels({{"aspect", "family_parity"}}))), 1);

  std::string text;
  while (!before.done()) before.next(text, 1000);
  const auto old = test::parse_exposition(text);
  EXPECT_THAT(old.errors, ::testing::IsEmpty());
  EXPECT_EQ(series_of(old, "smtp_probe_success"), 4u);  // the dropped state, as it was

  // Back again: from 0.
  d.record(test::two_mx_result(), 3);
  EXPECT_EQ(d.address_state("mx2.example.org", "192.0.2.2")->failures()[prober::failure_index(
                Failure::connect_refused)],
            1u);
}

TEST(DomainState, NullMxIsSuccessOnlyWhenExpected) {
  domain::DomainResult null_mx;
  null_mx.kind = domain::MxSet::Kind::null_mx;
  for (const bool expected : {false, true}) {
    auto d = make_domain({.expect_null_mx = expected});
    d.record(null_mx, 1);
    const auto e = exposition(d);
    EXPECT_EQ(e.at(series("smtp_domain_success", domain_labels())), expected ? 1 : 0);
    EXPECT_EQ(e.at(series("smtp_domain_null_mx", domain_labels())), 1);
    EXPECT_EQ(e.at(series("smtp_domain_mx_hosts", domain_labels())), 0);
    for (auto reason : domain::kDnsFailureNames) {  // never a DNS failure
      EXPECT_EQ(e.at(series("smtp_domain_dns_failure", domain_labels({{"reason", std::string(reason)}}))), 0);
    }
    EXPECT_EQ(e.type.count("smtp_probe_success"), 0u);
  }
}

TEST(DomainState, DnsFailureSetsItsReasonKeepsEveryReasonAndDropsTheAddresses) {
  auto d = make_domain();
  d.record(test::two_mx_result(), 1);
  domain::DomainResult failed;
  failed.dns_failure = domain::DnsFailure::servfail;
  d.record(failed, 2);
  EXPECT_TRUE(d.address_states().empty());

  const auto e = exposition(d);
  for (auto reason : domain::kDnsFailureNames) {
    EXPECT_EQ(e.at(series("smtp_domain_dns_failure", domain_labels({{"reason", std::string(reason)}}))),
              reason == "servfail" ? 1 : 0)
        << reason;
  }
  EXPECT_EQ(e.at(series("smtp_domain_success", domain_labels())), 0);
  EXPECT_EQ(e.at(series("smtp_domain_addresses_up", domain_labels({{"family", "ip6"}}))), 0);
  EXPECT_EQ(e.type.count("smtp_probe_success"), 0u);
  EXPECT_EQ(e.type.count("smtp_fcrdns_match"), 0u);
}

TEST(DomainState, EveryFixedSeriesBeforeTheFirstProbe) {
  const auto d = make_domain();
  EXPECT_FALSE(d.has_run());
  const auto e = exposition(d);
  EXPECT_EQ(e.at(series("smtp_domain_success", domain_labels())), 0);
  EXPECT_EQ(series_of(e, "smtp_domain_dns_failure"), domain::kDnsFailureNames.size());
  EXPECT_EQ(series_of(e, "smtp_domain_consistent"), kAspectCount);
  EXPECT_EQ(series_of(e, "smtp_domain_addresses"), 2u);
  EXPECT_EQ(e.type.count("smtp_probe_success"), 0u);  // no address known yet
}

TEST(DomainState, MtaStsSeries) {
  auto d = make_domain();
  auto r = test::two_mx_result();
  r.sts = test::enforce_policy_for_mx1();
  r.mx[0].sts_covered = true;
  d.record(r, 1);
  auto e = exposition(d);
  EXPECT_EQ(e.at(series("smtp_mta_sts_policy_present", domain_labels())), 1);
  EXPECT_EQ(e.at(series("smtp_mta_sts_fetch_success", domain_labels())), 1);
  EXPECT_EQ(e.at(series("smtp_mta_sts_mode", domain_labels({{"mode", "enforce"}}))), 1);
  EXPECT_EQ(e.at(series("smtp_mta_sts_mode", domain_labels({{"mode", "testing"}}))), 0);
  EXPECT_EQ(e.at(series("smtp_mta_sts_mode", domain_labels({{"mode", "none"}}))), 0);
  EXPECT_EQ(e.at(series("smtp_mta_sts_max_age_seconds", domain_labels())), 604800);
  EXPECT_EQ(e.at(series("smtp_mta_sts_mx_covered", domain_labels({{"mx", "mx1.example.org"}}))), 1);
  EXPECT_EQ(e.at(series("smtp_mta_sts_mx_covered", domain_labels({{"mx", "mx2.example.org"}}))), 0);
  EXPECT_EQ(e.at(series("smtp_mta_sts_policy_id_info", domain_labels({{"id", "20240101T000000"}}))), 1);
  EXPECT_EQ(series_of(e, "smtp_mta_sts_policy_id_info"), 1u);

  // The record, but the fetch failed: no mode, no coverage.
  r.sts.fetched = false;
  r.sts.policy.reset();
  d.record(r, 2);
  e = exposition(d);
  EXPECT_EQ(e.at(series("smtp_mta_sts_policy_present", domain_labels())), 1);
  EXPECT_EQ(e.at(series("smtp_mta_sts_fetch_success", domain_labels())), 0);
  for (std::string mode : {"enforce", "testing", "none"}) {
    EXPECT_EQ(e.at(series("smtp_mta_sts_mode", domain_labels({{"mode", mode}}))), 0) << mode;
  }
  EXPECT_EQ(e.at(series("smtp_mta_sts_max_age_seconds", domain_labels())), 0);
  EXPECT_EQ(e.type.count("smtp_mta_sts_mx_covered"), 0u);
  EXPECT_EQ(series_of(e, "smtp_mta_sts_policy_id_info"), 1u);

  // No record at all.
  r.sts = {};
  r.sts.checked = true;
  d.record(r, 3);
  e = exposition(d);
  EXPECT_EQ(e.at(series("smtp_mta_sts_policy_present", domain_labels())), 0);
  EXPECT_EQ(e.type.count("smtp_mta_sts_policy_id_info"), 0u);
}

TEST(DomainState, DaneSeries) {
  auto r = test::two_mx_result();
  r.mx[0].tlsa_usable = 2;
  r.mx[0].tlsa_secure = true;
  r.addresses[0].result.tls = test::tls_facts();
  r.addresses[0].dane_match = true;
  r.addresses[1].result.tls = test::tls_facts();
  r.addresses[1].dane_match = false;  // a stale record
  auto d = make_domain();
  d.record(r, 1);
  const auto e = exposition(d);
  EXPECT_EQ(e.at(series("smtp_dane_tlsa_records", domain_labels({{"mx", "mx1.example.org"}}))), 2);
  EXPECT_EQ(e.at(series("smtp_dane_tlsa_records", domain_labels({{"mx", "mx2.example.org"}}))), 0);
  EXPECT_EQ(e.at(series("smtp_dane_dnssec_secure", domain_labels({{"mx", "mx1.example.org"}}))), 1);
  EXPECT_EQ(e.at(series("smtp_dane_dnssec_secure", domain_labels({{"mx", "mx2.example.org"}}))), 0);
  EXPECT_EQ(e.at(series("smtp_dane_match", domain_labels({{"mx", "mx1.example.org"}, {"address", "2001:db8::1"}}))), 1);
  EXPECT_EQ(e.at(series("smtp_dane_match", domain_labels({{"mx", "mx1.example.org"}, {"address", "192.0.2.1"}}))), 0);
  EXPECT_EQ(series_of(e, "smtp_dane_match"), 2u);
  // The TLS facts of those addresses, in the per-session families.
  EXPECT_EQ(e.at(series("smtp_tls_cert_verified", address_labels("mx1.example.org", "192.0.2.1", "ip4"))), 1);
  EXPECT_EQ(series_of(e, "smtp_tls_cert_verified"), 2u);

  // A target that does not check DANE has none of its families.
  auto without = make_domain({.dane = false});
  without.record(r, 1);
  const auto without_dane = exposition(without);
  for (const auto& [name, type] : without_dane.type) EXPECT_FALSE(name.starts_with("smtp_dane_")) << name;
}

TEST(DomainState, ConsistencyOfTlsAndExtensions) {
  auto r = test::two_mx_result();
  r.addresses.pop_back();  // every address passes
  for (auto& a : r.addresses) a.result.tls = test::tls_facts();
  auto aspect = [](const DomainState& d, const std::string& name) {
    return d.summary().consistent[static_cast<std::size_t>(
        std::find(kConsistencyAspects.begin(), kConsistencyAspects.end(), name) - kConsistencyAspects.begin())];
  };

  auto d = make_domain({.module_tls = true});
  d.record(r, 1);
  for (auto name : kConsistencyAspects) EXPECT_TRUE(aspect(d, std::string(name))) << name;

  auto differing = r;
  differing.addresses[1].result.tls.reset();          // no TLS on one
  differing.addresses[2].result.tls->verified = false;  // and a bad certificate on another
  differing.addresses[0].result.ehlo_text += "SMTPUTF8\n";
  d.record(differing, 2);
  EXPECT_FALSE(aspect(d, "starttls"));
  EXPECT_FALSE(aspect(d, "tls_verified"));
  EXPECT_FALSE(aspect(d, "extensions"));
  EXPECT_TRUE(aspect(d, "probe_success"));
  EXPECT_TRUE(aspect(d, "family_parity"));

  // Without TLS in the module: STARTTLS advertised or not.
  auto plain = make_domain({.module_tls = false});
  auto no_starttls = r;
  for (auto& a : no_starttls.addresses) a.result.tls.reset();
  plain.record(no_starttls, 1);
  EXPECT_TRUE(aspect(plain, "starttls"));
  no_starttls.addresses[2].result.ehlo_text = "mx.example.org\nPIPELINING\n8BITMIME\n";
  plain.record(no_starttls, 2);
  EXPECT_FALSE(aspect(plain, "starttls"));
  EXPECT_FALSE(aspect(plain, "extensions"));
}

TEST(DomainState, AnExporterErrorIsNotTheDomains) {
  auto d = make_domain();
  d.record(test::two_mx_result(), 1);
  auto r = test::two_mx_result();
  r.addresses[0].result = test::failed_probe(Failure::connect_refused);
  r.addresses[0].result.exporter_error = true;
  EXPECT_EQ(d.record(r, 2), 1u);
  const TargetState* kept = d.address_state("mx1.example.org", "2001:db8::1");
  ASSERT_NE(kept, nullptr);
  EXPECT_TRUE(kept->probe_success());  // as it was
  EXPECT_EQ(kept->latency_count(), 1u);
  EXPECT_EQ(d.summary().addresses[family_index(Family::ip6)], 1u);
  EXPECT_EQ(d.summary().addresses_up[family_index(Family::ip6)], 1u);
}

TEST(DomainState, AddressTargetsAndDomainsInOneExposition) {
  TargetState address({"mx9:25", "mx", {{"site", "ams"}}}, {0.5, 1, 2}, kQos);
  address.record(test::passed_probe(0.3), test::verdict(classify::Event::success), 1);
  auto d = make_domain({}, {"rcpt_to"});
  auto r = test::two_mx_result();
  r.sts = test::enforce_policy_for_mx1();
  r.mx[0].tlsa_usable = 1;
  r.addresses[0].result.tls = test::tls_facts();
  r.addresses[0].dane_match = true;
  d.record(r, 1);
  auto other = DomainState({"example.net", "mx", {}}, {1}, kQos, {}, {});
  other.record(test::two_mx_result(), 1);

  // Every family's HELP and TYPE once, its series together, none repeated (checked by the parser).
  const auto e = exposition({&address}, {&d, &other});
  EXPECT_EQ(series_of(e, "smtp_probe_success"), 9u);
  EXPECT_EQ(series_of(e, "smtp_domain_success"), 2u);
  EXPECT_EQ(series_of(e, "smtp_step_success"), 4u);  // the addresses of the domain with a step
  for (std::size_t i = 0; i < domain_family_count(); ++i) {
    const auto& name = domain_family(i).metrics.name;
    EXPECT_EQ(e.type.count(std::string(name)), 1u) << name;
  }
}

TEST(DomainState, PiecesOfAnySizeAddUpToTheWhole) {
  std::vector<DomainState> domains;
  for (int i = 0; i < 6; ++i) {
    domains.emplace_back(TargetIdentity{"d" + std::to_string(i) + ".example", "mx", {}}, std::vector<double>{1},
                         kQos, std::vector<std::string>{}, DomainChecks{});
    auto r = test::two_mx_result();
    if (i % 2) r.sts = test::enforce_policy_for_mx1();
    if (i != 3) domains.back().record(r, 1);
  }
  TargetState address({"mx9:25", "mx", {}}, {1}, kQos);
  std::vector<const DomainState*> pointers;
  for (const auto& d : domains) pointers.push_back(&d);
  std::string whole;
  write_targets(whole, {&address}, pointers);

  for (std::size_t budget : {std::size_t{1}, std::size_t{300}, std::size_t{4096}, whole.size()}) {
    TargetsWriter writer({&address}, pointers);
    std::string joined;
    std::size_t pieces = 0;
    while (!writer.done()) {
      std::string piece;
      writer.next(piece, budget);
      ASSERT_TRUE(piece.empty() || piece.back() == '\n') << "budget " << budget;
      joined += piece;
      ASSERT_LT(++pieces, 100000u);
    }
    EXPECT_EQ(joined, whole) << "budget " << budget;
  }
}

TEST(RenderDomainProbe, DomainFamiliesThenEverySessionLabelled) {
  auto r = test::two_mx_result();
  r.sts = test::enforce_policy_for_mx1();
  r.mx[0].sts_covered = true;
  r.mx[0].tlsa_usable = 1;
  r.mx[0].tlsa_secure = true;
  r.addresses[0].result.tls = test::tls_facts();
  r.addresses[0].dane_match = true;
  const std::string text = render_domain_probe(r, kQos, {"rcpt_to"}, {});
  const auto e = test::parse_exposition(text);
  EXPECT_THAT(e.errors, ::testing::IsEmpty()) << text;
  for (const auto& [name, type] : e.type) EXPECT_EQ(type, "gauge") << name;

  EXPECT_EQ(e.at("probe_domain_success{}"), 1);
  EXPECT_EQ(e.at("probe_domain_mx_hosts{}"), 2);
  EXPECT_EQ(e.at("probe_domain_duration_seconds{}"), 0.75);
  EXPECT_EQ(e.at(series("probe_domain_addresses_up", {{"family", "ip4"}})), 1);
  EXPECT_EQ(e.at(series("probe_domain_consistent", {{"aspect", "probe_success"}})), 0);
  EXPECT_EQ(e.at(series("probe_domain_dns_failure", {{"reason", "nxdomain"}})), 0);
  EXPECT_EQ(e.at(series("probe_mta_sts_mode", {{"mode", "enforce"}})), 1);
  EXPECT_EQ(e.at(series("probe_mta_sts_mx_covered", {{"mx", "mx1.example.org"}})), 1);
  EXPECT_EQ(e.at(series("probe_dane_match", {{"mx", "mx1.example.org"}, {"address", "2001:db8::1"}})), 1);
  EXPECT_EQ(e.at(series("probe_fcrdns_match", {{"mx", "mx2.example.org"}, {"address", "192.0.2.2"}})), 1);

  const Labels mx2_v4{{"mx", "mx2.example.org"}, {"address", "192.0.2.2"}, {"family", "ip4"}};
  EXPECT_EQ(e.at(series("probe_success", mx2_v4)), 0);
  EXPECT_EQ(e.at(series("probe_success", {{"mx", "mx1.example.org"}, {"address", "2001:db8::1"}, {"family", "ip6"}})),
            1);
  EXPECT_EQ(series_of(e, "probe_success"), 4u);
  EXPECT_EQ(e.at(series("probe_smtp_qos_event", mx2_v4)), 5509);
  auto refused = mx2_v4;
  refused["reason"] = "connect_refused";
  EXPECT_EQ(e.at(series("probe_smtp_failure", refused)), 1);
  auto step = mx2_v4;
  step["step"] = "rcpt_to";
  EXPECT_EQ(e.at(series("probe_smtp_step_success", step)), 0);
  EXPECT_EQ(series_of(e, "probe_smtp_tls_cert_verified"), 1u);  // only the address with TLS
  EXPECT_EQ(series_of(e, "probe_ssl_earliest_cert_expiry"), 1u);
}

TEST(RenderDomainProbe, DnsFailureHasOnlyTheDomainFamilies) {
  domain::DomainResult failed;
  failed.dns_failure = domain::DnsFailure::nxdomain;
  const auto e = test::parse_exposition(render_domain_probe(failed, kQos, {}, {}));
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  EXPECT_EQ(e.at(series("probe_domain_dns_failure", {{"reason", "nxdomain"}})), 1);
  EXPECT_EQ(e.at("probe_domain_success{}"), 0);
  EXPECT_EQ(e.type.count("probe_success"), 0u);
  EXPECT_EQ(e.type.count("probe_dane_tlsa_records"), 0u);  // no MX
}

}  // namespace
}  // namespace smtp_exporter::metrics
