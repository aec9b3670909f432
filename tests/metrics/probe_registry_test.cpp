#include "metrics/probe_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exposition.hpp"
#include "test_values.hpp"

namespace smtp_exporter::metrics {
namespace {

using classify::Event;
using prober::Failure;
using test::series;

test::Exposition probe(const prober::ProbeResult& r, const classify::Verdict& v, double qos = 1) {
  auto e = test::parse_exposition(render_probe(r, v, qos));
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
  EXPECT_EQ(e.samples.size(), 4u + prober::kPhaseCount + 2 + 1 + prober::kFailureCount + 1 + 3 + 2);
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
}

TEST(RenderProbe, NoRawTextInLabels) {
  auto r = test::passed_probe(0.1);
  r.ehlo_text = "mx.example.org\nAUTH PLAIN LOGIN\nx\"y\nSIZE\n";
  r.detail = "secret detail";
  const auto text = render_probe(r, test::verdict(Event::success), 1);
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("secret")));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("PLAIN")));
  EXPECT_THAT(text, ::testing::HasSubstr(R"(extension="SIZE")"));
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
