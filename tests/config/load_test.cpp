#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>

#include <filesystem>
#include <set>

#include "config/config.hpp"

namespace smtp_exporter::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

const std::string data_dir = SMTP_EXPORTER_TEST_DATA;

std::vector<std::string> error_texts(const LoadResult& result) {
  std::vector<std::string> out;
  for (const Error& error : result.errors) out.push_back(error.to_string());
  return out;
}

// Loads YAML that must be valid.
Config load_valid(std::string_view yaml) {
  LoadResult result = load_string(yaml, "test.yml");
  EXPECT_THAT(error_texts(result), IsEmpty());
  return result.config.value_or(Config{});
}

const std::vector<double> default_buckets_with_default_qos = {0.05, 0.1, 0.25, 0.5, 1,
                                                              2,    2.5, 4,    5,   10};

TEST(LoadFile, ReadsTheFullExample) {
  const LoadResult result = load_file(data_dir + "/valid/full.yml");
  ASSERT_THAT(error_texts(result), IsEmpty());
  const Config& config = *result.config;

  EXPECT_EQ(config.global.mode, Mode::interval);
  EXPECT_EQ(config.global.interval, seconds(30));
  EXPECT_EQ(config.global.max_concurrent_probes, 256);

  ASSERT_EQ(config.modules.size(), 1u);
  const Module* module = config.find_module("smtp_ehlo");
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(module->name, "smtp_ehlo");
  EXPECT_EQ(module->timeout, seconds(10));
  EXPECT_EQ(module->qos_timeout, seconds(2));
  EXPECT_EQ(module->ehlo_name, "probe.example.org");
  EXPECT_TRUE(module->helo_fallback);
  EXPECT_EQ(module->ip_protocol, IpProtocol::any);
  EXPECT_EQ(module->expect_banner, "^mx[0-9]+\\.");
  ASSERT_NE(module->expect_banner_re, nullptr);
  EXPECT_TRUE(std::regex_search("mx12.example.org ESMTP", *module->expect_banner_re));
  EXPECT_FALSE(std::regex_search("mail.example.org ESMTP", *module->expect_banner_re));
  EXPECT_EQ(module->buckets, default_buckets_with_default_qos);

  Target expected;
  expected.name = "mx1";
  expected.address = HostPort{"mx1.example.org", 25};
  expected.module = "smtp_ehlo";
  expected.interval = seconds(15);
  expected.labels = {{"site", "ams"}};
  EXPECT_THAT(config.targets, ElementsAre(expected));
}

TEST(LoadString, EmptyFileGivesTheDefaults) {
  const Config config = load_valid("");
  EXPECT_EQ(config.global.mode, Mode::interval);
  EXPECT_EQ(config.global.interval, seconds(30));
  EXPECT_EQ(config.global.max_concurrent_probes, 256);
  EXPECT_THAT(config.targets, IsEmpty());

  ASSERT_EQ(config.modules.size(), 1u);
  const Module& module = config.modules.at("smtp_ehlo");
  EXPECT_EQ(module.name, "smtp_ehlo");
  EXPECT_EQ(module.timeout, seconds(10));
  EXPECT_EQ(module.qos_timeout, seconds(2));
  EXPECT_EQ(module.ehlo_name, default_ehlo_name());
  EXPECT_TRUE(module.helo_fallback);
  EXPECT_EQ(module.ip_protocol, IpProtocol::any);
  EXPECT_EQ(module.expect_banner, "");
  EXPECT_EQ(module.expect_banner_re, nullptr);
  EXPECT_EQ(module.buckets, default_buckets_with_default_qos);
}

TEST(LoadString, EmptySectionsGiveTheDefaults) {
  const Config config = load_valid("global:\nmodules:\ntargets:\n");
  EXPECT_EQ(config.global.interval, seconds(30));
  ASSERT_NE(config.find_module("smtp_ehlo"), nullptr);
  EXPECT_THAT(config.targets, IsEmpty());
}

TEST(LoadString, TargetDefaults) {
  const Config config = load_valid(R"(
global: {mode: scrape, interval: 1m}
targets:
  - address: "[2001:db8::1]"
  - address: mx2.example.org:2525
    labels: {site: ams, rack: r1, a_b: "42"}
)");
  EXPECT_EQ(config.global.mode, Mode::scrape);
  ASSERT_EQ(config.targets.size(), 2u);
  EXPECT_EQ(config.targets[0].name, "[2001:db8::1]:25");
  EXPECT_EQ(config.targets[0].address, (HostPort{"2001:db8::1", 25}));
  EXPECT_EQ(config.targets[0].module, "smtp_ehlo");
  EXPECT_EQ(config.targets[0].interval, minutes(1));
  EXPECT_THAT(config.targets[0].labels, IsEmpty());
  EXPECT_EQ(config.targets[1].name, "mx2.example.org:2525");
  using Labels = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(config.targets[1].labels, (Labels{{"a_b", "42"}, {"rack", "r1"}, {"site", "ams"}}));
}

TEST(LoadString, DefaultModuleExistsBesideOthers) {
  const Config config = load_valid(R"(
modules:
  ip6_only: {ip_protocol: ip6, helo_fallback: false, ehlo_name: "[IPv6:2001:db8::25]"}
targets:
  - {address: mx1.example.org, module: ip6_only}
  - {address: mx2.example.org}
)");
  ASSERT_EQ(config.modules.size(), 2u);
  const Module* ip6_only = config.find_module("ip6_only");
  ASSERT_NE(ip6_only, nullptr);
  EXPECT_EQ(ip6_only->ip_protocol, IpProtocol::ip6);
  EXPECT_FALSE(ip6_only->helo_fallback);
  EXPECT_EQ(ip6_only->ehlo_name, "[IPv6:2001:db8::25]");
  EXPECT_EQ(ip6_only->timeout, seconds(10));
  EXPECT_NE(config.find_module("smtp_ehlo"), nullptr);
  EXPECT_EQ(config.find_module("smtp_tls"), nullptr);
  EXPECT_EQ(config.targets[0].module, "ip6_only");
  EXPECT_EQ(config.targets[1].module, "smtp_ehlo");
}

TEST(LoadString, BucketsAlwaysHoldQosAndTwiceQos) {
  const Config config = load_valid(R"(
modules:
  short: {qos_timeout: 300ms, buckets: [1, 2]}
  exact: {qos_timeout: 1s, buckets: [0.5, 1, 2]}
  defaults: {qos_timeout: 5s}
  empty: {qos_timeout: 1m, timeout: 2m, buckets: []}
)");
  EXPECT_THAT(config.modules.at("short").buckets, ElementsAre(0.3, 0.6, 1, 2));
  EXPECT_THAT(config.modules.at("exact").buckets, ElementsAre(0.5, 1, 2));
  EXPECT_THAT(config.modules.at("defaults").buckets,
              ElementsAre(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10));
  EXPECT_THAT(config.modules.at("empty").buckets, ElementsAre(60, 120));
}

TEST(LoadString, QosTimeoutMayEqualTimeout) {
  EXPECT_EQ(load_valid("modules: {m: {timeout: 3s, qos_timeout: 3s}}").modules.at("m").qos_timeout,
            seconds(3));
}

TEST(Module, SameSettingsComparesEverySettingButTheName) {
  const Config config = load_valid(R"(
modules:
  a: {expect_banner: "^mx"}
  b: {expect_banner: "^mx"}
  c: {expect_banner: "^mail"}
  d: {expect_banner: "^mx", qos_timeout: 1500ms}
)");
  const auto& modules = config.modules;
  EXPECT_TRUE(modules.at("a").same_settings(modules.at("b")));
  EXPECT_FALSE(modules.at("a").same_settings(modules.at("c")));
  EXPECT_FALSE(modules.at("a").same_settings(modules.at("d")));
  Module other_ehlo = modules.at("a");
  other_ehlo.ehlo_name = "other.example.org";
  EXPECT_FALSE(modules.at("a").same_settings(other_ehlo));
}

TEST(LoadFile, UnreadableFileIsOneErrorWithoutPosition) {
  const std::string missing = data_dir + "/no_such_file.yml";
  EXPECT_THAT(error_texts(load_file(missing)),
              ElementsAre(missing + ": cannot read file: No such file or directory"));
  EXPECT_THAT(error_texts(load_file(data_dir)),
              ElementsAre(data_dir + ": cannot read file: Is a directory"));
  const LoadResult result = load_file(missing);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 0);
  EXPECT_EQ(result.errors[0].column, 0);
  EXPECT_EQ(result.config, std::nullopt);
}

TEST(LoadString, ErrorsNameTheFileAsGiven) {
  const LoadResult result = load_string("global: {interval: soon}", "conf/exporter.yml");
  EXPECT_EQ(result.config, std::nullopt);
  EXPECT_THAT(error_texts(result),
              ElementsAre("conf/exporter.yml:1:20: global.interval: expected a duration like 30s "
                          "or 1m30s, got \"soon\""));
}

TEST(LoadString, ControlCharactersInValuesAreEscaped) {
  EXPECT_THAT(error_texts(load_string("targets: [{address: \"mx1\\r\\nQUIT\"}]", "t.yml")),
              ElementsAre("t.yml:1:21: targets[0].address: invalid address "
                          "\"mx1\\x0d\\x0aQUIT\": contains a control character"));
}

// Each file in data/invalid/ with the exact errors it must give, without the leading
// "<data dir>/invalid/". Every file there must be listed.
struct InvalidFile {
  std::string file;
  std::vector<std::string> errors;
};
// Printed by name, so test lists (and ctest) show the file instead of the struct's bytes.
void PrintTo(const InvalidFile& f, std::ostream* os) { *os << f.file; }

const InvalidFile invalid_files[] = {
    {"yaml_syntax.yml", {"yaml_syntax.yml:3:1: end of sequence flow not found"}},
    {"top_level_sequence.yml", {"top_level_sequence.yml:1:1: expected a map, got a sequence"}},
    {"wrong_types.yml",
     {"wrong_types.yml:1:9: global: expected a map, got a sequence",
      "wrong_types.yml:3:14: modules.smtp_ehlo: expected a map, got a scalar",
      "wrong_types.yml:5:3: targets: expected a sequence, got a map"}},
    {"unknown_key_top_level.yml", {"unknown_key_top_level.yml:3:1: unknown key \"scrapes\""}},
    {"unknown_key_module.yml",
     {"unknown_key_module.yml:4:5: modules.smtp_ehlo: unknown key \"colour\""}},
    {"duplicate_key.yml", {"duplicate_key.yml:3:3: global: duplicate key \"interval\""}},
    {"empty_value.yml", {"empty_value.yml:3:5: modules.smtp_ehlo.timeout: missing value"}},
    {"duration_without_unit.yml",
     {"duration_without_unit.yml:2:13: global.interval: expected a duration like 30s or 1m30s, "
      "got \"30\""}},
    {"bad_timeouts.yml",
     {"bad_timeouts.yml:3:14: modules.fast.timeout: expected a duration greater than 0s, got "
      "\"0s\"",
      "bad_timeouts.yml:4:18: modules.fast.qos_timeout: expected a duration like 30s or 1m30s, "
      "got \"1.5s\""}},
    {"bad_mode.yml", {"bad_mode.yml:2:9: global.mode: expected interval or scrape, got \"push\""}},
    {"bad_ip_protocol.yml",
     {"bad_ip_protocol.yml:3:18: modules.v4.ip_protocol: expected auto, ip4 or ip6, got "
      "\"ipv4\""}},
    {"bad_bool.yml",
     {"bad_bool.yml:3:20: modules.smtp_ehlo.helo_fallback: expected true or false, got \"yes\""}},
    {"max_concurrent_probes_zero.yml",
     {"max_concurrent_probes_zero.yml:2:26: global.max_concurrent_probes: expected an integer "
      "from 1 to 100000, got \"0\""}},
    {"max_concurrent_probes_not_a_number.yml",
     {"max_concurrent_probes_not_a_number.yml:2:26: global.max_concurrent_probes: expected an "
      "integer from 1 to 100000, got \"lots\""}},
    {"bad_addresses.yml",
     {"bad_addresses.yml:2:14: targets[0].address: invalid address \"2001:db8::1\": IPv6 "
      "address must be in brackets",
      "bad_addresses.yml:3:14: targets[1].address: invalid address \"mx1.example.org:0\": port "
      "out of range 1-65535",
      "bad_addresses.yml:4:14: targets[2].address: invalid address \"smtp://mx1.example.org\": "
      "must not have a scheme",
      "bad_addresses.yml:5:14: targets[3].address: invalid address \"mx1.example.org:25 \": "
      "contains whitespace",
      "bad_addresses.yml:6:14: targets[4].address: invalid address \"mx1.example.org:\": "
      "missing port after ':'",
      "bad_addresses.yml:7:14: targets[5].address: invalid address \"256.1.1.1\": invalid IPv4 "
      "address",
      "bad_addresses.yml:8:14: targets[6].address: invalid address \"[2001:db8::zz]:25\": "
      "invalid IPv6 address",
      "bad_addresses.yml:9:14: targets[7].address: invalid address \"mx-.example.org\": label "
      "starts or ends with '-'"}},
    {"missing_address.yml",
     {"missing_address.yml:2:5: targets[0]: missing required key \"address\""}},
    {"bad_target_entries.yml",
     {"bad_target_entries.yml:2:11: targets[0].name: must not be empty",
      "bad_target_entries.yml:4:5: targets[1]: expected a map, got a scalar"}},
    {"unknown_module.yml",
     {"unknown_module.yml:3:13: targets[0].module: unknown module \"smtp_tls\""}},
    {"duplicate_target_names.yml",
     {"duplicate_target_names.yml:3:11: targets[1].name: duplicate target name "
      "\"mx1.example.org:25\" (first at line 2)",
      "duplicate_target_names.yml:7:11: targets[3].name: duplicate target name \"backup\" "
      "(first at line 5)"}},
    {"qos_timeout_above_timeout.yml",
     {"qos_timeout_above_timeout.yml:4:18: modules.slow_qos.qos_timeout: qos_timeout 6s exceeds "
      "timeout 5s",
      // Only timeout is written, so the error points there; the 2s is the default qos_timeout.
      "qos_timeout_above_timeout.yml:6:14: modules.short.timeout: qos_timeout 2s exceeds "
      "timeout 1s500ms"}},
    {"bad_regex.yml",
     {"bad_regex.yml:3:20: modules.smtp_ehlo.expect_banner: invalid regex \"^(mx\": Mismatched "
      "'(' and ')' in regular expression"}},
    {"bad_ehlo_name.yml",
     {"bad_ehlo_name.yml:3:16: modules.a.ehlo_name: expected an FQDN or an address literal "
      "like [192.0.2.1], got \"prober\"",
      "bad_ehlo_name.yml:5:16: modules.b.ehlo_name: expected an FQDN or an address literal "
      "like [192.0.2.1], got \"192.0.2.1\""}},
    {"bad_buckets.yml",
     {"bad_buckets.yml:3:20: modules.a.buckets[1]: expected a positive finite number, got \"-1\"",
      "bad_buckets.yml:3:29: modules.a.buckets[3]: expected a number greater than the previous "
      "bucket 0.5, got \"0.25\"",
      "bad_buckets.yml:3:35: modules.a.buckets[4]: expected a positive finite number, got "
      "\"abc\"",
      "bad_buckets.yml:3:40: modules.a.buckets[5]: expected a positive finite number, got "
      "\".inf\"",
      "bad_buckets.yml:5:14: modules.b.buckets: expected a sequence, got a scalar"}},
    {"bad_labels.yml",
     {"bad_labels.yml:4:7: targets[0].labels: invalid label name \"1site\"",
      "bad_labels.yml:5:7: targets[0].labels: reserved label name \"__meta\"",
      "bad_labels.yml:6:7: targets[0].labels: reserved label name \"job\"",
      "bad_labels.yml:7:7: targets[0].labels: invalid label name \"site-name\"",
      "bad_labels.yml:8:13: targets[0].labels.rack: expected a scalar, got a map"}},
    // Several errors in every section, the sections in an unusual order: all are reported, in
    // file order.
    {"several_errors.yml",
     {"several_errors.yml:3:14: targets[0].address: invalid address \"mx1.example.org:25x\": "
      "port is not a number",
      "several_errors.yml:4:13: targets[0].module: unknown module \"nowhere\"",
      "several_errors.yml:5:15: targets[0].interval: expected a duration like 30s or 1m30s, got "
      "\"15\"",
      "several_errors.yml:6:11: targets[1].name: duplicate target name \"mx1\" (first at line 2)",
      "several_errors.yml:8:5: targets[1]: unknown key \"colour\"",
      "several_errors.yml:12:18: modules.smtp_ehlo.qos_timeout: qos_timeout 4s exceeds timeout 3s",
      "several_errors.yml:15:26: global.max_concurrent_probes: expected an integer from 1 to "
      "100000, got \"100001\""}},
};

class InvalidConfig : public ::testing::TestWithParam<InvalidFile> {};

TEST_P(InvalidConfig, ReportsExactlyTheseErrors) {
  const std::string dir = data_dir + "/invalid/";
  const LoadResult result = load_file(dir + GetParam().file);
  EXPECT_EQ(result.config, std::nullopt);
  std::vector<std::string> expected;
  for (const std::string& error : GetParam().errors) expected.push_back(dir + error);
  EXPECT_THAT(error_texts(result), ElementsAreArray(expected));
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidConfig, ::testing::ValuesIn(invalid_files),
                         [](const auto& test) {
                           return std::filesystem::path(test.param.file).stem().string();
                         });

TEST(InvalidConfigFiles, EveryFileHasExpectedErrors) {
  std::set<std::string> listed, present;
  for (const InvalidFile& invalid : invalid_files) listed.insert(invalid.file);
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/invalid")) {
    present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(listed, present);
}

}  // namespace
}  // namespace smtp_exporter::config
