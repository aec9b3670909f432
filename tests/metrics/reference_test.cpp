// The custom writer against prometheus-cpp: the same state, built as prometheus-cpp families and
// serialized with TextSerializer, must give the same samples, HELP and TYPE.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "exposition.hpp"
#include "metrics/writer.hpp"
#include "test_values.hpp"

namespace smtp_exporter::metrics {
namespace {

using classify::Event;
using prober::Failure;

// The contract's names and types, written out rather than taken from the code under test.
const std::map<std::string, std::string> kContractTypes = {
    {"smtp_probe_success", "gauge"},
    {"smtp_ehlo_success", "gauge"},
    {"smtp_ehlo_duration_seconds", "histogram"},
    {"smtp_probe_events_total", "counter"},
    {"smtp_probe_failures_total", "counter"},
    {"smtp_probe_phase_duration_seconds", "gauge"},
    {"smtp_reply_code", "gauge"},
    {"smtp_step_success", "gauge"},
    {"smtp_step_duration_seconds", "gauge"},
    {"smtp_step_reply_code", "gauge"},
    {"smtp_ehlo_extension_info", "gauge"},
    {"smtp_auth_mechanism_info", "gauge"},
    {"smtp_auth_offered_before_tls", "gauge"},
    {"smtp_helo_fallback", "gauge"},
    {"smtp_qos_timeout_seconds", "gauge"},
    {"smtp_probe_last_run_timestamp_seconds", "gauge"},
    {"smtp_tls_cert_not_after_timestamp_seconds", "gauge"},
    {"smtp_tls_chain_not_after_timestamp_seconds", "gauge"},
    {"smtp_tls_cert_verified", "gauge"},
    {"smtp_tls_version_info", "gauge"},
    {"smtp_tls_cipher_info", "gauge"},
    {"smtp_tls_cert_info", "gauge"},
};

std::string help_of(std::string_view name) {
  for (const auto& f : target_families()) {
    if (f.name == name) return std::string(f.help);
  }
  ADD_FAILURE() << "no family " << name;
  return "?";
}

// What prometheus-cpp makes of the same state: one object per series, as the writer avoids.
std::string render_with_prometheus_cpp(const std::vector<const TargetState*>& targets) {
  prometheus::Registry registry;
  auto gauges = [&](const std::string& name) -> auto& {
    return prometheus::BuildGauge().Name(name).Help(help_of(name)).Register(registry);
  };
  auto counters = [&](const std::string& name) -> auto& {
    return prometheus::BuildCounter().Name(name).Help(help_of(name)).Register(registry);
  };
  auto& probe_success = gauges("smtp_probe_success");
  auto& ehlo_success = gauges("smtp_ehlo_success");
  auto& duration = prometheus::BuildHistogram()
                       .Name("smtp_ehlo_duration_seconds")
                       .Help(help_of("smtp_ehlo_duration_seconds"))
                       .Register(registry);
  auto& events = counters("smtp_probe_events_total");
  auto& failures = counters("smtp_probe_failures_total");
  auto& phases = gauges("smtp_probe_phase_duration_seconds");
  auto& codes = gauges("smtp_reply_code");
  auto& step_success = gauges("smtp_step_success");
  auto& step_duration = gauges("smtp_step_duration_seconds");
  auto& step_codes = gauges("smtp_step_reply_code");
  auto& extensions = gauges("smtp_ehlo_extension_info");
  auto& mechanisms = gauges("smtp_auth_mechanism_info");
  auto& auth_before_tls = gauges("smtp_auth_offered_before_tls");
  auto& fallback = gauges("smtp_helo_fallback");
  auto& qos = gauges("smtp_qos_timeout_seconds");
  auto& last_run = gauges("smtp_probe_last_run_timestamp_seconds");
  auto& tls_not_after = gauges("smtp_tls_cert_not_after_timestamp_seconds");
  auto& tls_chain_not_after = gauges("smtp_tls_chain_not_after_timestamp_seconds");
  auto& tls_verified = gauges("smtp_tls_cert_verified");
  auto& tls_version = gauges("smtp_tls_version_info");
  auto& tls_cipher = gauges("smtp_tls_cipher_info");
  auto& tls_cert = gauges("smtp_tls_cert_info");

  for (const TargetState* t : targets) {
    prometheus::Labels labels{{"target", t->identity().target}, {"module", t->identity().module}};
    for (const auto& [name, value] : t->identity().labels) labels[name] = value;
    auto with = [&](const std::string& name, std::string_view value) {
      auto l = labels;
      l[name] = value;
      return l;
    };
    probe_success.Add(labels).Set(t->probe_success());
    ehlo_success.Add(labels).Set(t->ehlo_success());
    std::vector<double> increments(t->bucket_counts().begin(), t->bucket_counts().end());
    duration.Add(labels, t->bucket_bounds()).ObserveMultiple(increments, t->latency_sum());
    for (std::size_t i = 0; i < classify::kEventCount; ++i) {
      events.Add(with("event", classify::kEventNames[i])).Increment(static_cast<double>(t->events()[i]));
    }
    for (std::size_t i = 0; i < prober::kFailureCount; ++i) {
      failures.Add(with("reason", prober::kFailureNames[i])).Increment(static_cast<double>(t->failures()[i]));
    }
    for (std::size_t i = 0; i < prober::kPhaseCount; ++i) {
      phases.Add(with("phase", prober::kPhaseNames[i])).Set(t->phase_seconds()[i]);
    }
    codes.Add(with("stage", "greeting")).Set(t->greeting_code());
    codes.Add(with("stage", "ehlo")).Set(t->ehlo_code());
    for (std::size_t i = 0; i < t->step_names().size(); ++i) {
      const auto& step = t->steps()[i];
      step_success.Add(with("step", t->step_names()[i])).Set(step.success);
      step_duration.Add(with("step", t->step_names()[i])).Set(step.seconds);
      step_codes.Add(with("step", t->step_names()[i])).Set(step.reply_code);
    }
    for (const auto& e : t->extensions()) extensions.Add(with("extension", e)).Set(1);
    for (const auto& m : t->auth_mechanisms()) mechanisms.Add(with("mechanism", m)).Set(1);
    auth_before_tls.Add(labels).Set(t->auth_offered_before_tls());
    fallback.Add(labels).Set(t->helo_fallback());
    qos.Add(labels).Set(t->qos_timeout_seconds());
    last_run.Add(labels).Set(t->last_run_timestamp());
    if (const auto& tls = t->tls()) {
      tls_not_after.Add(labels).Set(tls->cert_not_after);
      tls_chain_not_after.Add(labels).Set(tls->chain_not_after);
      tls_verified.Add(labels).Set(tls->verified);
      tls_version.Add(with("version", tls->version)).Set(1);
      tls_cipher.Add(with("cipher", tls->cipher)).Set(1);
      auto cert = labels;
      cert["subject_cn"] = tls->subject_cn;
      cert["issuer_cn"] = tls->issuer_cn;
      cert["serial"] = tls->serial;
      cert["fingerprint_sha256"] = tls->fingerprint_sha256;
      tls_cert.Add(cert).Set(1);
    }
  }
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

void expect_same_as_prometheus_cpp(const std::vector<const TargetState*>& targets) {
  std::string text;
  write_targets(text, targets);
  const auto ours = test::parse_exposition(text);
  const auto reference = test::parse_exposition(render_with_prometheus_cpp(targets));
  EXPECT_THAT(ours.errors, ::testing::IsEmpty());
  EXPECT_THAT(reference.errors, ::testing::IsEmpty());
  // Series by series, so a failure names the one that differs.
  for (const auto& [key, value] : reference.samples) {
    const auto it = ours.samples.find(key);
    if (it == ours.samples.end()) {
      ADD_FAILURE() << "missing " << key;
    } else {
      // Debian's prometheus-cpp is built to print %.16g, which does not always round-trip
      // (17.259999999999998 comes out as 17.26); ours does. Equal to the 16th digit, then.
      EXPECT_NEAR(it->second, value, 1e-15 * std::abs(value)) << key;
    }
  }
  for (const auto& [key, value] : ours.samples) {
    EXPECT_EQ(reference.samples.count(key), 1u) << "extra " << key;
  }
  EXPECT_EQ(ours.help, reference.help);
  EXPECT_EQ(ours.type, reference.type);
  for (const auto& [name, type] : ours.type) {
    EXPECT_EQ(kContractTypes.count(name) ? kContractTypes.at(name) : "not in the contract", type) << name;
  }
}

TEST(Reference, BeforeAnyProbe) {
  const TargetState a({"mx1:25", "smtp_ehlo", {}}, {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, 0.5);
  const TargetState b({"[2001:db8::1]:25", "slow", {{"site", "ams"}, {"tier", "a\"b\\c\nd"}}}, {1, 2}, 1,
                      {"mail_from", "rcpt_to"});
  expect_same_as_prometheus_cpp({&a, &b});
}

TEST(Reference, AfterMixedProbes) {
  TargetState a({"mx1:25", "smtp_ehlo", {{"site", "ams"}}}, {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, 0.5);
  TargetState b({"mx2:25", "smtp_ehlo", {{"site", "fra"}}}, {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, 0.5);
  TargetState c({"mx3:587", "submission", {{"site", "x\"y\\z\nw"}}}, {1, 2, 4}, 2, {"auth", "rset"});
  TargetState d({"mx4:25", "relay_check", {}}, {1, 2}, 1, {"mail_from", "relay", "rcpt_to"});
  for (double latency : {0.01, 0.05, 0.5, 0.7, 1.0, 3.0, 12.0}) {
    const auto event = latency <= 0.5 ? Event::success : latency <= 1 ? Event::qos_warning : Event::failed;
    const auto reason = event == Event::failed ? Failure::qos_exceeded : Failure::none;
    a.record(test::passed_probe(latency), test::verdict(event, reason), 1700000000 + latency);
  }
  b.record(test::failed_probe(Failure::resolve), test::verdict(Event::failed, Failure::resolve), 1700000001.125);
  auto helo = test::passed_probe(4.0);
  helo.helo_fallback = true;
  helo.ehlo_text.clear();
  c.record(helo, test::verdict(Event::qos_warning), 1700000002);
  auto relay = test::passed_probe(0.3);
  relay.ehlo_text = "mx4\nAUTH CRAM-MD5 PLAIN X-ODD\nSTARTTLS\n";
  relay.auth_offered_before_tls = true;
  relay.steps = {test::step("mail_from", 250, 0.01),
                 test::step("relay", 250, 0.02, prober::Outcome::unexpected)};  // stopped there
  d.record(relay, test::verdict(Event::failed, Failure::rcpt_accepted), 1700000003);
  // TLS facts: verified on one target, not on another, and kept through a later failure.
  auto starttls = test::passed_probe(0.2);
  starttls.tls = test::tls_facts();
  a.record(starttls, test::verdict(Event::success), 1700000004);
  starttls.tls = test::tls_facts(false);
  starttls.tls->version = "TLS 1.2";
  c.record(starttls, test::verdict(Event::success), 1700000005);
  c.record(test::failed_probe(Failure::connect_timeout), test::verdict(Event::failed, Failure::connect_timeout),
           1700000006);
  expect_same_as_prometheus_cpp({&a, &b, &c, &d});
}

// More output than one buffer chunk, and a line longer than one (40,000 quotes escape to 80 kB).
TEST(Reference, ManyTargetsAndAVeryLongLabel) {
  std::vector<TargetState> states;
  states.reserve(300);
  for (int i = 0; i < 300; ++i) {
    const std::string site = i == 150 ? std::string(40000, '"') : "site" + std::to_string(i % 7);
    const bool with_step = i % 5 == 0;
    states.emplace_back(TargetIdentity{"mx" + std::to_string(i) + ".example.org:25", "smtp_ehlo", {{"site", site}}},
                        std::vector<double>{0.25, 0.5, 1, 2}, 0.5,
                        with_step ? std::vector<std::string>{"rcpt_to"} : std::vector<std::string>{});
    auto probe = test::passed_probe(0.01 * i);
    if (with_step) {
      probe.ehlo_text += "AUTH LOGIN\n";
      probe.steps = {test::step("rcpt_to", 250, 0.001 * i)};
    }
    if (i % 3) states.back().record(probe, test::verdict(Event::success), 1700000000 + i);
  }
  std::vector<const TargetState*> targets;
  for (const auto& st : states) targets.push_back(&st);
  expect_same_as_prometheus_cpp(targets);
}

}  // namespace
}  // namespace smtp_exporter::metrics
