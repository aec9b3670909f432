#include "metrics/writer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "exposition.hpp"
#include "test_values.hpp"

namespace smtp_exporter::metrics {
namespace {

using classify::Event;
using prober::Failure;

std::string escaped(std::string_view v) {
  std::string out;
  append_escaped_label_value(out, v);
  return out;
}
std::string number(double v) {
  std::string out;
  append_double(out, v);
  return out;
}
std::string le(double v) {
  std::string out;
  append_le_value(out, v);
  return out;
}
std::string render(const std::vector<const TargetState*>& targets) {
  std::string out;
  write_targets(out, targets);
  return out;
}

TEST(Exposition, EscapesLabelValues) {
  EXPECT_EQ(escaped("plain"), "plain");
  EXPECT_EQ(escaped(""), "");
  EXPECT_EQ(escaped(R"(a"b\c)"), R"(a\"b\\c)");
  EXPECT_EQ(escaped("\nx\n"), R"(\nx\n)");
  EXPECT_EQ(escaped("tab\there"), "tab\there");  // only the three the format names
}

TEST(Exposition, SampleValues) {
  EXPECT_EQ(number(0), "0");
  EXPECT_EQ(number(-0.0), "0");
  EXPECT_EQ(number(1), "1");
  EXPECT_EQ(number(5510), "5510");
  EXPECT_EQ(number(-3), "-3");
  EXPECT_EQ(number(1700000000), "1700000000");
  EXPECT_EQ(number(1700000000.5), "1700000000.5");
  EXPECT_EQ(number(0.05), "0.05");
  EXPECT_EQ(number(0.1 + 0.2), "0.30000000000000004");  // round-trips
  EXPECT_EQ(number(1e-7), "1e-07");
  EXPECT_EQ(number(1e300), "1e+300");
  EXPECT_EQ(number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(number(std::nan("")), "NaN");
}

TEST(Exposition, LeValuesAsGoWritesThem) {
  EXPECT_EQ(le(0.05), "0.05");
  EXPECT_EQ(le(1), "1");
  EXPECT_EQ(le(2.5), "2.5");
  EXPECT_EQ(le(10), "10");
  EXPECT_EQ(le(0.0001), "0.0001");
  EXPECT_EQ(le(0.00001), "1e-05");
  EXPECT_EQ(le(100000), "100000");
  EXPECT_EQ(le(123456.7), "123456.7");
  EXPECT_EQ(le(1e6), "1e+06");
  EXPECT_EQ(le(1234567), "1.234567e+06");
  EXPECT_EQ(le(0), "0");
  EXPECT_EQ(le(-0.5), "-0.5");
  EXPECT_EQ(le(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(WriteTargets, NoTargetsNoOutput) { EXPECT_EQ(render({}), ""); }

TEST(WriteTargets, AppendsToWhatIsThere) {
  const TargetState s({"t", "m", {}}, {1}, 1);
  std::string out = "# before\n";
  write_targets(out, {&s});
  EXPECT_TRUE(out.starts_with("# before\n# HELP smtp_probe_success "));
}

// Every byte of a small case: one target whose own label needs all three escapes.
TEST(WriteTargets, Golden) {
  TargetState s({"mx1:25", "smtp_ehlo", {{"note", "a\"b\\c\nd"}}}, {1, 2}, 1);
  auto r = test::passed_probe(1.0);  // exactly qos: the le="1" bucket
  r.ehlo_text = "mx1\nPIPELINING\n8BITMIME\n";
  s.record(r, test::verdict(Event::success), 1700000000.5);
  s.record(test::failed_probe(Failure::connect_refused),
           test::verdict(Event::failed, Failure::connect_refused), 1700000060);
  r.ehlo_latency_seconds = 1.5;
  s.record(r, test::verdict(Event::qos_warning), 1700000120.25);

  const std::string L = R"(target="mx1:25",module="smtp_ehlo",note="a\"b\\c\nd")";
  const std::string expected =
      "# HELP smtp_probe_success 1 if the last probe passed every check within 2 x QoS.\n"
      "# TYPE smtp_probe_success gauge\n"
      "smtp_probe_success{" + L + "} 1\n"
      "# HELP smtp_ehlo_success 1 if the last probe got a final 250 to EHLO/HELO within 2 x QoS.\n"
      "# TYPE smtp_ehlo_success gauge\n"
      "smtp_ehlo_success{" + L + "} 1\n"
      "# HELP smtp_ehlo_duration_seconds QoS latency: TCP connect start to the final 250 of EHLO (or HELO).\n"
      "# TYPE smtp_ehlo_duration_seconds histogram\n"
      "smtp_ehlo_duration_seconds_bucket{" + L + ",le=\"1\"} 1\n"
      "smtp_ehlo_duration_seconds_bucket{" + L + ",le=\"2\"} 2\n"
      "smtp_ehlo_duration_seconds_bucket{" + L + ",le=\"+Inf\"} 2\n"
      "smtp_ehlo_duration_seconds_sum{" + L + "} 2.5\n"
      "smtp_ehlo_duration_seconds_count{" + L + "} 2\n"
      "# HELP smtp_probe_events_total Probes by ELM event: 5510 within QoS, 5511 within 2 x QoS, 5509 failed.\n"
      "# TYPE smtp_probe_events_total counter\n"
      "smtp_probe_events_total{" + L + ",event=\"5510\"} 1\n"
      "smtp_probe_events_total{" + L + ",event=\"5511\"} 1\n"
      "smtp_probe_events_total{" + L + ",event=\"5509\"} 1\n"
      "# HELP smtp_probe_failures_total Failed (5509) probes by reason.\n"
      "# TYPE smtp_probe_failures_total counter\n"
      "smtp_probe_failures_total{" + L + ",reason=\"resolve\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"connect_refused\"} 1\n"
      "smtp_probe_failures_total{" + L + ",reason=\"connect_timeout\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"greeting_timeout\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"greeting_rejected\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"ehlo_timeout\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"ehlo_rejected\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"protocol_error\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"banner_mismatch\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"qos_exceeded\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"tls_handshake\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"tls_verify\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"starttls_not_offered\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"starttls_rejected\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"auth_not_offered\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"auth_rejected\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"auth_accepted\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"mail_from_rejected\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"rcpt_rejected\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"rcpt_accepted\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"rcpt_deferred\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"data_rejected\"} 0\n"
      "smtp_probe_failures_total{" + L + ",reason=\"step_timeout\"} 0\n"
      "# HELP smtp_probe_phase_duration_seconds Seconds each phase of the last probe took; 0 if it did not run.\n"
      "# TYPE smtp_probe_phase_duration_seconds gauge\n"
      "smtp_probe_phase_duration_seconds{" + L + ",phase=\"resolve\"} 0.001\n"
      "smtp_probe_phase_duration_seconds{" + L + ",phase=\"connect\"} 0.002\n"
      "smtp_probe_phase_duration_seconds{" + L + ",phase=\"tls\"} 0\n"
      "smtp_probe_phase_duration_seconds{" + L + ",phase=\"greeting\"} 0.1\n"
      "smtp_probe_phase_duration_seconds{" + L + ",phase=\"ehlo\"} 0.05\n"
      "smtp_probe_phase_duration_seconds{" + L + ",phase=\"starttls\"} 0\n"
      "smtp_probe_phase_duration_seconds{" + L + ",phase=\"quit\"} 0.003\n"
      "# HELP smtp_reply_code Last SMTP reply code of the last probe per stage; 0 if none.\n"
      "# TYPE smtp_reply_code gauge\n"
      "smtp_reply_code{" + L + ",stage=\"greeting\"} 220\n"
      "smtp_reply_code{" + L + ",stage=\"ehlo\"} 250\n"
      "# HELP smtp_ehlo_extension_info EHLO keywords the server advertised in the last probe.\n"
      "# TYPE smtp_ehlo_extension_info gauge\n"
      "smtp_ehlo_extension_info{" + L + ",extension=\"8BITMIME\"} 1\n"
      "smtp_ehlo_extension_info{" + L + ",extension=\"PIPELINING\"} 1\n"
      "# HELP smtp_auth_offered_before_tls 1 if the last probe saw AUTH advertised on a connection without TLS.\n"
      "# TYPE smtp_auth_offered_before_tls gauge\n"
      "smtp_auth_offered_before_tls{" + L + "} 0\n"
      "# HELP smtp_helo_fallback 1 if the last probe had to fall back from EHLO to HELO.\n"
      "# TYPE smtp_helo_fallback gauge\n"
      "smtp_helo_fallback{" + L + "} 0\n"
      "# HELP smtp_qos_timeout_seconds Configured QoS time; 2 x QoS is the failure limit.\n"
      "# TYPE smtp_qos_timeout_seconds gauge\n"
      "smtp_qos_timeout_seconds{" + L + "} 1\n"
      "# HELP smtp_probe_last_run_timestamp_seconds Unix time the last probe finished; 0 before the first.\n"
      "# TYPE smtp_probe_last_run_timestamp_seconds gauge\n"
      "smtp_probe_last_run_timestamp_seconds{" + L + "} 1700000120.25\n";
  EXPECT_EQ(render({&s}), expected);
}

// Every byte of the step and AUTH families, for a target whose module has steps and one
// whose module has none (it shows in none of the step families).
TEST(WriteTargets, GoldenStepsAndAuth) {
  TargetState a({"mx1:25", "relay_check", {}}, {1}, 1, {"mail_from", "relay", "rcpt_to"});
  const TargetState b({"mx2:25", "smtp_ehlo", {}}, {1}, 1);
  auto r = test::passed_probe(0.5);
  r.ehlo_text = "mx1\nAUTH PLAIN LOGIN X-VENDOR\n";
  r.auth_offered_before_tls = true;
  r.steps = {test::step("mail_from", 250, 0.25), test::step("relay", 250, 0.125, prober::Outcome::unexpected)};
  a.record(r, test::verdict(Event::failed, Failure::rcpt_accepted), 1700000000);

  const std::string A = R"(target="mx1:25",module="relay_check")";
  const std::string B = R"(target="mx2:25",module="smtp_ehlo")";
  const std::string expected =
      "# HELP smtp_reply_code Last SMTP reply code of the last probe per stage; 0 if none.\n"
      "# TYPE smtp_reply_code gauge\n"
      "smtp_reply_code{" + A + ",stage=\"greeting\"} 220\n"
      "smtp_reply_code{" + A + ",stage=\"ehlo\"} 250\n"
      "smtp_reply_code{" + B + ",stage=\"greeting\"} 0\n"
      "smtp_reply_code{" + B + ",stage=\"ehlo\"} 0\n"
      "# HELP smtp_step_success 1 if the module's step went as expected in the last probe; 0 if it did not run.\n"
      "# TYPE smtp_step_success gauge\n"
      "smtp_step_success{" + A + ",step=\"mail_from\"} 1\n"
      "smtp_step_success{" + A + ",step=\"relay\"} 0\n"
      "smtp_step_success{" + A + ",step=\"rcpt_to\"} 0\n"
      "# HELP smtp_step_duration_seconds Seconds the module's step took in the last probe; 0 if it did not run.\n"
      "# TYPE smtp_step_duration_seconds gauge\n"
      "smtp_step_duration_seconds{" + A + ",step=\"mail_from\"} 0.25\n"
      "smtp_step_duration_seconds{" + A + ",step=\"relay\"} 0.125\n"
      "smtp_step_duration_seconds{" + A + ",step=\"rcpt_to\"} 0\n"
      "# HELP smtp_step_reply_code Last SMTP reply code of the module's step in the last probe; 0 if none.\n"
      "# TYPE smtp_step_reply_code gauge\n"
      "smtp_step_reply_code{" + A + ",step=\"mail_from\"} 250\n"
      "smtp_step_reply_code{" + A + ",step=\"relay\"} 250\n"
      "smtp_step_reply_code{" + A + ",step=\"rcpt_to\"} 0\n"
      "# HELP smtp_ehlo_extension_info EHLO keywords the server advertised in the last probe.\n"
      "# TYPE smtp_ehlo_extension_info gauge\n"
      "smtp_ehlo_extension_info{" + A + ",extension=\"AUTH\"} 1\n"
      "# HELP smtp_auth_mechanism_info SASL mechanisms the server advertised in the last EHLO; unknown ones as other.\n"
      "# TYPE smtp_auth_mechanism_info gauge\n"
      "smtp_auth_mechanism_info{" + A + ",mechanism=\"LOGIN\"} 1\n"
      "smtp_auth_mechanism_info{" + A + ",mechanism=\"PLAIN\"} 1\n"
      "smtp_auth_mechanism_info{" + A + ",mechanism=\"other\"} 1\n"
      "# HELP smtp_auth_offered_before_tls 1 if the last probe saw AUTH advertised on a connection without TLS.\n"
      "# TYPE smtp_auth_offered_before_tls gauge\n"
      "smtp_auth_offered_before_tls{" + A + "} 1\n"
      "smtp_auth_offered_before_tls{" + B + "} 0\n"
      "# HELP smtp_helo_fallback ";
  const std::string text = render({&a, &b});
  EXPECT_THAT(text, ::testing::HasSubstr(expected));
}

// Every byte of the TLS families, which only targets with a completed handshake show.
TEST(WriteTargets, GoldenTls) {
  TargetState a({"mx1:465", "smtps", {}}, {1}, 1);
  const TargetState b({"mx2:25", "smtp_ehlo", {}}, {1}, 1);
  auto r = test::passed_probe(0.5);
  r.tls = test::tls_facts(false);
  a.record(r, test::verdict(Event::success), 1700000000);

  const std::string A = R"(target="mx1:465",module="smtps")";
  const std::string expected =
      "smtp_probe_last_run_timestamp_seconds{" + A + "} 1700000000\n"
      "smtp_probe_last_run_timestamp_seconds{target=\"mx2:25\",module=\"smtp_ehlo\"} 0\n"
      "# HELP smtp_tls_cert_not_after_timestamp_seconds notAfter of the server's leaf certificate (Unix time).\n"
      "# TYPE smtp_tls_cert_not_after_timestamp_seconds gauge\n"
      "smtp_tls_cert_not_after_timestamp_seconds{" + A + "} 1800000000\n"
      "# HELP smtp_tls_chain_not_after_timestamp_seconds "
      "Earliest notAfter in the presented certificate chain (Unix time).\n"
      "# TYPE smtp_tls_chain_not_after_timestamp_seconds gauge\n"
      "smtp_tls_chain_not_after_timestamp_seconds{" + A + "} 1790000000.5\n"
      "# HELP smtp_tls_cert_verified 1 if the certificate chain and name verified in the last handshake.\n"
      "# TYPE smtp_tls_cert_verified gauge\n"
      "smtp_tls_cert_verified{" + A + "} 0\n"
      "# HELP smtp_tls_version_info Negotiated TLS version, 1.\n"
      "# TYPE smtp_tls_version_info gauge\n"
      "smtp_tls_version_info{" + A + ",version=\"TLS 1.3\"} 1\n"
      "# HELP smtp_tls_cipher_info Negotiated TLS cipher, 1.\n"
      "# TYPE smtp_tls_cipher_info gauge\n"
      "smtp_tls_cipher_info{" + A + ",cipher=\"TLS_AES_256_GCM_SHA384\"} 1\n"
      "# HELP smtp_tls_cert_info The server's leaf certificate, 1.\n"
      "# TYPE smtp_tls_cert_info gauge\n"
      "smtp_tls_cert_info{" + A +
      R"(,subject_cn="mx1.example.org",issuer_cn="CA \"x\" \\ y",serial="0A1B2C",fingerprint_sha256="ab12cd34"} 1)"
      "\n";
  const std::string text = render({&a, &b});
  EXPECT_TRUE(text.ends_with(expected)) << text.substr(text.find("smtp_probe_last_run_timestamp_seconds{"));
}

TEST(WriteTargets, EverySeriesPresentBeforeTheFirstProbe) {
  const TargetState s({"mx1:25", "smtp_ehlo", {{"site", "ams"}}}, {0.5, 1, 2, 5}, 1);
  const auto e = test::parse_exposition(render({&s}));
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  EXPECT_EQ(e.samples.size(), kFixedSeriesPerTarget + 4);
  for (const auto& [key, value] : e.samples) {
    EXPECT_EQ(value, key.starts_with("smtp_qos_timeout_seconds{") ? 1 : 0) << key;
  }
  for (const auto& f : target_families()) {
    // Only with keywords or mechanisms to show, for a module with steps, or after a handshake.
    const bool shown =
        !f.name.ends_with("_info") && !f.name.starts_with("smtp_step_") && !f.name.starts_with("smtp_tls_");
    EXPECT_EQ(e.type.count(std::string(f.name)), shown ? 1u : 0u) << f.name;
    EXPECT_EQ(e.help.count(std::string(f.name)), shown ? 1u : 0u) << f.name;
  }
  const std::map<std::string, std::string> own{{"target", "mx1:25"}, {"module", "smtp_ehlo"}, {"site", "ams"}};
  auto with = [&](const std::string& label, std::string_view value) {
    auto labels = own;
    labels[label] = value;
    return labels;
  };
  for (auto event : classify::kEventNames) {
    EXPECT_EQ(e.samples.count(test::series("smtp_probe_events_total", with("event", event))), 1u);
  }
  for (auto reason : prober::kFailureNames) {
    EXPECT_EQ(e.samples.count(test::series("smtp_probe_failures_total", with("reason", reason))), 1u);
  }
  for (auto phase : prober::kPhaseNames) {
    EXPECT_EQ(e.samples.count(test::series("smtp_probe_phase_duration_seconds", with("phase", phase))), 1u);
  }
  for (auto stage : {"greeting", "ehlo"}) {
    EXPECT_EQ(e.samples.count(test::series("smtp_reply_code", with("stage", stage))), 1u);
  }
  for (auto bound : {"0.5", "1", "2", "5", "+Inf"}) {
    EXPECT_EQ(e.samples.count(test::series("smtp_ehlo_duration_seconds_bucket", with("le", bound))), 1u);
  }
}

TEST(WriteTargets, StepSeriesPresentBeforeTheFirstProbe) {
  const TargetState s({"mx1:25", "relay_check", {}}, {1, 2}, 1, {"mail_from", "relay"});
  const auto e = test::parse_exposition(render({&s}));
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  EXPECT_EQ(e.samples.size(), kFixedSeriesPerTarget + 2 + 2 * kSeriesPerStep);
  for (std::string family : {"smtp_step_success", "smtp_step_duration_seconds", "smtp_step_reply_code"}) {
    EXPECT_EQ(e.type.at(family), "gauge");
    for (std::string step : {"mail_from", "relay"}) {
      EXPECT_EQ(e.at(test::series(family, {{"target", "mx1:25"}, {"module", "relay_check"}, {"step", step}})), 0)
          << family << " " << step;
    }
  }
}

TEST(WriteTargets, FamiliesContiguousAndHeadersOnceForManyTargets) {
  std::vector<TargetState> states;
  states.reserve(5);
  auto probe = test::passed_probe(0.15);
  probe.ehlo_text += "AUTH PLAIN\n";
  for (int i = 0; i < 5; ++i) {
    // Two modules with their own buckets, interleaved; one has a step.
    states.emplace_back(TargetIdentity{"mx" + std::to_string(i), i % 2 ? "fast" : "slow", {}},
                        i % 2 ? std::vector<double>{0.1, 0.2} : std::vector<double>{1, 2, 4}, i % 2 ? 0.1 : 1,
                        i % 2 ? std::vector<std::string>{"rset"} : std::vector<std::string>{});
    if (i != 2) states.back().record(probe, test::verdict(Event::qos_warning), 1);
  }
  auto with_tls = probe;
  with_tls.tls = test::tls_facts();
  states[4].record(with_tls, test::verdict(Event::qos_warning), 2);
  std::vector<const TargetState*> targets;
  for (const auto& s : states) targets.push_back(&s);

  const auto text = render(targets);
  const auto e = test::parse_exposition(text);
  EXPECT_THAT(e.errors, ::testing::IsEmpty());
  EXPECT_EQ(e.type.size(), target_families().size());
  // 2 targets with 2 bounds and a step, 3 with 3 bounds; 4 probed ones with 4 extensions and a
  // mechanism each; one with the 6 TLS series.
  EXPECT_EQ(e.samples.size(), 5 * kFixedSeriesPerTarget + 2 * (2 + kSeriesPerStep) + 3 * 3 + 4 * (4 + 1) + 6);
  EXPECT_EQ(e.at(R"(smtp_ehlo_duration_seconds_bucket{le="0.2",module="fast",target="mx1"})"), 1);
  EXPECT_EQ(e.at(R"(smtp_ehlo_duration_seconds_bucket{le="1",module="slow",target="mx0"})"), 1);
  EXPECT_EQ(e.at(R"(smtp_ehlo_duration_seconds_bucket{le="1",module="slow",target="mx2"})"), 0);
}

TEST(TargetsWriter, PiecesOfAnySizeAddUpToTheWholeInWholeLines) {
  std::vector<TargetState> states;
  states.reserve(40);
  for (int i = 0; i < 40; ++i) {
    states.emplace_back(TargetIdentity{"mx" + std::to_string(i), "smtp_ehlo", {}}, std::vector<double>{0.5, 1, 2},
                        1.0, i % 2 ? std::vector<std::string>{"mail_from", "rcpt_to"} : std::vector<std::string>{});
    if (i % 3) states.back().record(test::passed_probe(0.2), test::verdict(Event::success), 1);
  }
  std::vector<const TargetState*> targets;
  for (const auto& s : states) targets.push_back(&s);
  const std::string whole = render(targets);

  for (std::size_t budget : {std::size_t{1}, std::size_t{100}, std::size_t{4096}, whole.size() - 1, whole.size()}) {
    TargetsWriter writer(targets);
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
    if (budget == 1) {
      EXPECT_GT(pieces, 40u);  // a target's lines at a time
    }
  }
}

}  // namespace
}  // namespace smtp_exporter::metrics
