#include "metrics/probe_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "exposition.hpp"
#include "test_values.hpp"

namespace smtp_exporter::metrics {
namespace {

using classify::Event;
using prober::Failure;
using test::series;

test::Exposition probe(const prober::ProbeResult& r, const classify::Verdict& v, double qos = 1,
                       const std::vector<std::string>& step_names = {}) {
  auto e = test::parse_exposition(render_probe(r, v, qos, step_names));
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  for (const auto& [name, help] : e.help) EXPECT_FALSE(help.empty()) << name;
  return e;
}

TEST(RenderProbe, PassedProbe) {
  auto r = test::passed_probe(1.25);
  r.helo_fallback = true;
  const auto e = probe(r, test::verdict(Event::qos_warning), 1);

  EXPECT_EQ(e.at("probe_success{}"), 1);
  EXPECT_EQ(e.at("probe_duration_seconds{}"), 0.156);
  EXPECT_EQ(e.at("probe_smtp_ehlo_duration_seconds{}"), 1.25);
  EXPECT_EQ(e.at("probe_smtp_ehlo_success{}"), 1);
  EXPECT_EQ(e.at(series("probe_smtp_phase_duration_seconds", {{"phase", "resolve"}})), 0.001);
  EXPECT_EQ(e.at(series("probe_smtp_phase_duration_seconds", {{"phase", "connect"}})), 0.002);
  EXPECT_EQ(e.at(series("probe_smtp_phase_duration_seconds", {{"phase", "greeting"}})), 0.1);
  EXPECT_EQ(e.at(series("probe_smtp_phase_duration_seconds", {{"phase", "ehlo"}})), 0.05);
  EXPECT_EQ(e.at(series("probe_smtp_phase_duration_seconds", {{"phase", "quit"}})), 0.003);
  EXPECT_EQ(e.at(series("probe_smtp_reply_code", {{"stage", "greeting"}})), 220);
  EXPECT_EQ(e.at(series("probe_smtp_reply_code", {{"stage", "ehlo"}})), 250);
  EXPECT_EQ(e.at("probe_smtp_qos_event{}"), 5511);
  for (auto reason : prober::kFailureNames) {
    EXPECT_EQ(e.at(series("probe_smtp_failure", {{"reason", std::string(reason)}})), 0) << reason;
  }
  EXPECT_EQ(e.at("probe_smtp_helo_fallback{}"), 1);
  EXPECT_EQ(e.at(series("probe_smtp_ehlo_extension_info", {{"extension", "8BITMIME"}})), 1);
  EXPECT_EQ(e.at(series("probe_smtp_ehlo_extension_info", {{"extension", "PIPELINING"}})), 1);
  EXPECT_EQ(e.at(series("probe_smtp_ehlo_extension_info", {{"extension", "STARTTLS"}})), 1);
  EXPECT_EQ(e.at("probe_smtp_qos_timeout_seconds{}"), 1);
  EXPECT_EQ(e.at("probe_ip_protocol{}"), 4);
  EXPECT_EQ(e.at("probe_smtp_auth_offered_before_tls{}"), 0);
  EXPECT_EQ(e.samples.size(), 4u + prober::kPhaseCount + 2 + 1 + prober::kFailureCount + 1 + 3 + 1 + 2);
  // A module without steps, and an EHLO without AUTH: none of these families.
  for (auto family : {"probe_smtp_step_success", "probe_smtp_step_duration_seconds", "probe_smtp_step_reply_code",
                      "probe_smtp_auth_mechanism_info"}) {
    EXPECT_EQ(e.type.count(family), 0u) << family;
  }
  for (const auto& [name, type] : e.type) EXPECT_EQ(type, "gauge") << name;
}

TEST(RenderProbe, FailedProbeWithoutA250) {
  const auto e = probe(test::failed_probe(Failure::connect_refused),
                       test::verdict(Event::failed, Failure::connect_refused), 0.5);
  EXPECT_EQ(e.at("probe_success{}"), 0);
  EXPECT_EQ(e.at("probe_smtp_ehlo_duration_seconds{}"), 0);  // no latency: 0, see ehlo_success
  EXPECT_EQ(e.at("probe_smtp_ehlo_success{}"), 0);
  EXPECT_EQ(e.at("probe_smtp_qos_event{}"), 5509);
  for (auto reason : prober::kFailureNames) {
    EXPECT_EQ(e.at(series("probe_smtp_failure", {{"reason", std::string(reason)}})),
              reason == "connect_refused" ? 1 : 0)
        << reason;
  }
  EXPECT_EQ(e.at(series("probe_smtp_reply_code", {{"stage", "greeting"}})), 0);
  EXPECT_EQ(e.at("probe_smtp_qos_timeout_seconds{}"), 0.5);
  EXPECT_EQ(e.at("probe_ip_protocol{}"), 0);
  EXPECT_EQ(e.type.count("probe_smtp_ehlo_extension_info"), 0u);  // no keywords, no series
  EXPECT_EQ(e.at("probe_smtp_auth_offered_before_tls{}"), 0);
}

TEST(RenderProbe, StepsInModuleOrderZeroIfNotRun) {
  auto r = test::passed_probe(0.2);
  r.steps = {test::step("mail_from", 250, 0.25), test::step("relay", 250, 0.125, prober::Outcome::unexpected)};
  const auto text = render_probe(r, test::verdict(Event::failed, Failure::rcpt_accepted), 1,
                                 {"mail_from", "relay", "rcpt_to"});
  const auto e = test::parse_exposition(text);
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  EXPECT_EQ(e.at(series("probe_smtp_step_success", {{"step", "mail_from"}})), 1);
  EXPECT_EQ(e.at(series("probe_smtp_step_success", {{"step", "relay"}})), 0);
  EXPECT_EQ(e.at(series("probe_smtp_step_success", {{"step", "rcpt_to"}})), 0);
  EXPECT_EQ(e.at(series("probe_smtp_step_duration_seconds", {{"step", "mail_from"}})), 0.25);
  EXPECT_EQ(e.at(series("probe_smtp_step_duration_seconds", {{"step", "relay"}})), 0.125);
  EXPECT_EQ(e.at(series("probe_smtp_step_duration_seconds", {{"step", "rcpt_to"}})), 0);
  EXPECT_EQ(e.at(series("probe_smtp_step_reply_code", {{"step", "mail_from"}})), 250);
  EXPECT_EQ(e.at(series("probe_smtp_step_reply_code", {{"step", "relay"}})), 250);
  EXPECT_EQ(e.at(series("probe_smtp_step_reply_code", {{"step", "rcpt_to"}})), 0);
  for (auto family : {"probe_smtp_step_success", "probe_smtp_step_duration_seconds", "probe_smtp_step_reply_code"}) {
    EXPECT_EQ(e.type.at(family), "gauge");
    EXPECT_FALSE(e.help.at(family).empty());
  }
  // In the module's order, not the records' or the alphabet's.
  EXPECT_LT(text.find(R"(step="relay")"), text.find(R"(step="rcpt_to")"));
}

TEST(RenderProbe, AuthMechanismsBoundedAndAuthBeforeTls) {
  auto r = test::passed_probe(0.2);
  r.ehlo_text = "mx.example.org\nAUTH PLAIN login SCRAM-SHA-256 X-ONE X-TWO\nSIZE\n";
  r.auth_offered_before_tls = true;
  const auto e = probe(r, test::verdict(Event::success));
  for (auto mechanism : {"LOGIN", "PLAIN", "SCRAM-SHA-256", "other"}) {
    EXPECT_EQ(e.at(series("probe_smtp_auth_mechanism_info", {{"mechanism", mechanism}})), 1) << mechanism;
  }
  const auto mechanisms = std::count_if(e.samples.begin(), e.samples.end(), [](const auto& sample) {
    return sample.first.starts_with("probe_smtp_auth_mechanism_info{");
  });
  EXPECT_EQ(mechanisms, 4);  // X-ONE and X-TWO are one "other"
  EXPECT_EQ(e.at("probe_smtp_auth_offered_before_tls{}"), 1);
}

TEST(RenderProbe, NoRawTextInLabels) {
  auto r = test::passed_probe(0.1);
  r.ehlo_text = "mx.example.org\nAUTH PLAIN LOGIN VENDORMECH\nx\"y\nSIZE\n";
  r.detail = "secret detail";
  const auto text = render_probe(r, test::verdict(Event::success), 1, {});
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("secret")));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("PLAIN LOGIN")));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("VENDORMECH")));  // only as "other"
  EXPECT_THAT(text, ::testing::HasSubstr(R"(extension="SIZE")"));
  EXPECT_THAT(text, ::testing::HasSubstr(R"(mechanism="other")"));
}

// blackbox_exporter's names come first, byte for byte, so its alerts and dashboards keep working.
TEST(RenderProbe, TlsFactsUnderBlackboxNamesAndOurs) {
  auto r = test::passed_probe(0.2);
  r.tls = test::tls_facts();
  const std::string text = render_probe(r, test::verdict(Event::success), 1, {});
  const std::string expected =
      "# HELP probe_ssl_earliest_cert_expiry Earliest notAfter in the presented chain (Unix time).\n"
      "# TYPE probe_ssl_earliest_cert_expiry gauge\n"
      "probe_ssl_earliest_cert_expiry 1790000000.5\n"
      "# HELP probe_ssl_last_chain_expiry_timestamp_seconds Earliest notAfter of the verified chain (Unix time).\n"
      "# TYPE probe_ssl_last_chain_expiry_timestamp_seconds gauge\n"
      "probe_ssl_last_chain_expiry_timestamp_seconds 1790000000.5\n"
      "# HELP probe_tls_version_info Negotiated TLS version, 1.\n"
      "# TYPE probe_tls_version_info gauge\n"
      "probe_tls_version_info{version=\"TLS 1.3\"} 1\n"
      "# HELP probe_smtp_tls_cert_not_after_timestamp_seconds notAfter of the leaf certificate (Unix time).\n";
  EXPECT_THAT(text, ::testing::HasSubstr(expected));

  const auto e = probe(r, test::verdict(Event::success));
  EXPECT_EQ(e.at("probe_smtp_tls_cert_not_after_timestamp_seconds{}"), 1800000000);
  EXPECT_EQ(e.at("probe_smtp_tls_chain_not_after_timestamp_seconds{}"), 1790000000.5);
  EXPECT_EQ(e.at("probe_smtp_tls_cert_verified{}"), 1);
  EXPECT_EQ(e.at(series("probe_smtp_tls_version_info", {{"version", "TLS 1.3"}})), 1);
  EXPECT_EQ(e.at(series("probe_smtp_tls_cipher_info", {{"cipher", "TLS_AES_256_GCM_SHA384"}})), 1);
  EXPECT_EQ(e.at(series("probe_smtp_tls_cert_info", {{"subject_cn", "mx1.example.org"},
                                                     {"issuer_cn", R"(CA "x" \ y)"},
                                                     {"serial", "0A1B2C"},
                                                     {"fingerprint_sha256", "ab12cd34"}})),
            1);
  for (const auto& [name, type] : e.type) EXPECT_EQ(type, "gauge") << name;

  // As blackbox_exporter: the verified chain's expiry only from a verified chain.
  r.tls->verified = false;
  const auto unverified = probe(r, test::verdict(Event::success));
  EXPECT_EQ(unverified.type.count("probe_ssl_last_chain_expiry_timestamp_seconds"), 0u);
  EXPECT_EQ(unverified.at("probe_ssl_earliest_cert_expiry{}"), 1790000000.5);
  EXPECT_EQ(unverified.at("probe_smtp_tls_cert_verified{}"), 0);
}

TEST(RenderProbe, IpProtocolFromPeerAddress) {
  auto r = test::passed_probe(0.1);
  for (const auto& [peer, version] : std::vector<std::pair<std::string, double>>{
           {"192.0.2.25", 4}, {"192.0.2.25:25", 4}, {"2001:db8::25", 6}, {"[2001:db8::25]:25", 6},
           {"::1", 6}, {"", 0}}) {
    r.peer_address = peer;
    EXPECT_EQ(probe(r, test::verdict(Event::success)).at("probe_ip_protocol{}"), version) << peer;
  }
}

}  // namespace
}  // namespace smtp_exporter::metrics
