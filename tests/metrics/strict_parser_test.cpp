// The real parsers read our output: prometheus_client's strict one (as Prometheus' own rules)
// and promtool's linter. Skipped where they are not installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "domain_values.hpp"
#include "metrics/domain_state.hpp"
#include "metrics/exporter_metrics.hpp"
#include "metrics/probe_text.hpp"
#include "metrics/writer.hpp"
#include "test_values.hpp"

namespace smtp_exporter::metrics {
namespace {

using classify::Event;
using prober::Failure;

// A probe with steps (one did not run) and AUTH offered before TLS.
prober::ProbeResult probe_with_steps() {
  auto r = test::passed_probe(1.0);
  r.ehlo_text += "AUTH PLAIN X-VENDOR\n";
  r.auth_offered_before_tls = true;
  r.steps = {test::step("mail_from", 250, 0.01)};
  return r;
}
const std::vector<std::string> kStepNames{"mail_from", "rcpt_to"};

// A domain with MTA-STS, DANE and TLS on one address.
domain::DomainResult domain_with_everything() {
  auto r = test::two_mx_result();
  r.sts = test::enforce_policy_for_mx1();
  r.mx[0].sts_covered = true;
  r.mx[0].tlsa_usable = 1;
  r.mx[0].tlsa_secure = true;
  r.addresses[0].result = probe_with_steps();
  r.addresses[0].result.tls = test::tls_facts();
  r.addresses[0].dane_match = true;
  return r;
}

std::string everything() {
  TargetState a({"mx1:25", "smtp_ehlo", {{"note", "a\"b\\c\nd"}}}, {0.05, 0.5, 1, 2, 10}, 1, kStepNames);
  TargetState b({"[2001:db8::1]:25", "smtp_ehlo", {{"note", "plain"}}}, {0.05, 0.5, 1, 2, 10}, 1);
  a.record(probe_with_steps(), test::verdict(Event::success), 1700000000.5);
  b.record(test::failed_probe(Failure::ehlo_timeout), test::verdict(Event::failed, Failure::ehlo_timeout), 1);
  // A domain of the same module, with its addresses' series in the same families as a and b.
  DomainState d({"example.org", "smtp_ehlo", {{"note", "plain"}}}, {0.05, 0.5, 1, 2, 10}, 1, kStepNames, {});
  d.record(domain_with_everything(), 1700000000.5);
  std::string out;
  write_targets(out, {&a, &b}, {&d});
  out += ExporterMetrics("0.1.0", "fc82c0f").render();
  return out;
}

class StrictParsers : public ::testing::Test {
 protected:
  void check(const std::string& text, const std::string& checker) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("metrics_test_" + std::to_string(::getpid()) + ".prom");
    std::ofstream(path) << text;
    const int status = std::system((checker + " < " + path.string()).c_str());
    std::filesystem::remove(path);
    EXPECT_EQ(status, 0) << checker << " rejected:\n" << text;
  }
  static bool have_python_client() {
    return std::system("/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null") == 0;
  }
  static bool have_promtool() { return std::system("command -v promtool >/dev/null") == 0; }

  static constexpr const char* kPython =
      "/usr/bin/python3 -c 'import sys; from prometheus_client.parser import "
      "text_string_to_metric_families as p; list(p(sys.stdin.read()))'";
};

TEST_F(StrictParsers, PythonClientReadsMetricsAndProbe) {
  if (!have_python_client()) GTEST_SKIP() << "python3-prometheus-client not installed";
  check(everything(), kPython);
  check(render_probe(test::passed_probe(0.3), test::verdict(Event::success), 1, {}), kPython);
  check(render_probe(probe_with_steps(), test::verdict(Event::success), 1, kStepNames), kPython);
  check(render_domain_probe(domain_with_everything(), 1, kStepNames, {}), kPython);
}

TEST_F(StrictParsers, PromtoolFindsNothingToLint) {
  if (!have_promtool()) GTEST_SKIP() << "promtool not installed";
  check(everything(), "promtool check metrics");
  check(render_probe(test::passed_probe(0.3), test::verdict(Event::success), 1, {}), "promtool check metrics");
  check(render_probe(probe_with_steps(), test::verdict(Event::success), 1, kStepNames), "promtool check metrics");
  check(render_domain_probe(domain_with_everything(), 1, kStepNames, {}), "promtool check metrics");
}

}  // namespace
}  // namespace smtp_exporter::metrics
