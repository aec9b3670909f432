#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "support/invalid_files.hpp"

namespace smtp_exporter::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

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

const std::vector<double> default_buckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

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
  EXPECT_EQ(module->buckets, default_buckets);

  Target expected;
  expected.name = "mx1";
  expected.address = HostPort{"mx1.example.org", 25, ""};
  expected.module = "smtp_ehlo";
  expected.interval = seconds(15);
  expected.labels = {{"site", "ams"}};
  EXPECT_THAT(config.targets, ElementsAre(expected));
}

// A step as the loader should give it, from the fields that matter to a test.
Step make_step(prober::StepKind kind, std::string name, std::string address = "",
               Expect expect = Expect::accept) {
  Step step;
  step.kind = kind;
  step.name = std::move(name);
  step.address = std::move(address);
  step.expect = expect;
  return step;
}

TEST(LoadFile, ReadsTheStepsExample) {
  using prober::StepKind;
  const LoadResult result = load_file(data_dir + "/valid/steps.yml");
  ASSERT_THAT(error_texts(result), IsEmpty());
  const Config& config = *result.config;
  ASSERT_EQ(config.modules.size(), 5u);  // the four, and smtp_ehlo

  const Module& mx_accepts = config.modules.at("mx_accepts");
  EXPECT_EQ(mx_accepts.protocol, Protocol::smtp);
  EXPECT_EQ(mx_accepts.tls, TlsMode::starttls);
  EXPECT_EQ(mx_accepts.qos_timeout, seconds(2));
  EXPECT_THAT(mx_accepts.steps,
              ElementsAre(make_step(StepKind::mail_from, "mail_from", "probe@example.org"),
                          make_step(StepKind::rcpt_to, "rcpt_to", "postmaster@example.org"),
                          make_step(StepKind::rcpt_to, "relay", "someone@example.net", Expect::reject),
                          make_step(StepKind::rset, "rset")));

  Step auth = make_step(StepKind::auth, "auth");
  auth.username = "probe@example.org";
  auth.password = "s3cret";
  auth.password_file = data_dir + "/valid/../secrets/probe.pass";
  auth.mechanism = AuthMechanism::automatic;
  EXPECT_THAT(config.modules.at("submission").steps, ElementsAre(auth));

  Step wrong = make_step(StepKind::auth, "auth", "", Expect::reject);
  wrong.username = "probe@example.org";
  wrong.password = "certainly-wrong";
  EXPECT_THAT(config.modules.at("wrong_password_refused").steps, ElementsAre(wrong));

  const Module& lmtp = config.modules.at("lmtp");
  EXPECT_EQ(lmtp.protocol, Protocol::lmtp);
  EXPECT_EQ(lmtp.tls, TlsMode::none);
  EXPECT_THAT(lmtp.steps, ElementsAre(make_step(StepKind::mail_from, "mail_from", ""),
                                      make_step(StepKind::rcpt_to, "rcpt_to", "probe@example.org")));
  EXPECT_THAT(config.modules.at("smtp_ehlo").steps, IsEmpty());
  EXPECT_EQ(config.modules.at("smtp_ehlo").protocol, Protocol::smtp);

  ASSERT_EQ(config.targets.size(), 1u);
  EXPECT_EQ(config.targets[0].name, "dovecot-lmtp");
  EXPECT_EQ(config.targets[0].address, (HostPort{"", 0, "/run/dovecot/lmtp"}));
  EXPECT_TRUE(config.targets[0].address.is_unix());
  EXPECT_EQ(config.targets[0].module, "lmtp");
}

TEST(LoadString, StepNamesDefaultToTheKindCountedPerKind) {
  const Config config = load_valid(R"(
modules:
  m:
    steps:
      - rcpt_to: {address: "a@example.org"}
      - mail_from: {address: ""}
      - rcpt_to: {name: relay, address: "b@example.org", expect: defer}
      - rcpt_to: {address: "c@example.org"}
      - rset:
      - rcpt_to: {address: "d@example.org"}
      - mail_from: {address: "probe@example.org"}
      - rset: {name: again}
      - rset: {}
)");
  std::vector<std::string> names;
  for (const Step& step : config.modules.at("m").steps) names.push_back(step.name);
  EXPECT_THAT(names, ElementsAre("rcpt_to", "mail_from", "relay", "rcpt_to_2", "rset", "rcpt_to_3",
                                 "mail_from_2", "again", "rset_2"));
  EXPECT_EQ(config.modules.at("m").steps[2].expect, Expect::defer);
}

TEST(LoadString, AuthOptions) {
  const Config config = load_valid(R"(
modules:
  m:
    steps:
      - auth: {name: plain, username: u, password: p, mechanism: plain, allow_plaintext: true}
      - auth: {name: login, username: u, password: p, mechanism: Login, allow_plaintext: true}
      - auth: {name: scram, username: u, password: p, mechanism: scram-SHA-256, allow_plaintext: true, expect: defer}
      - auth: {name: auto, username: u, password: p, mechanism: AUTO, allow_plaintext: true}
)");
  const auto& steps = config.modules.at("m").steps;
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].mechanism, AuthMechanism::plain);
  EXPECT_EQ(steps[1].mechanism, AuthMechanism::login);
  EXPECT_EQ(steps[2].mechanism, AuthMechanism::scram_sha_256);
  EXPECT_EQ(steps[2].expect, Expect::defer);
  EXPECT_EQ(steps[3].mechanism, AuthMechanism::automatic);
  for (const Step& step : steps) {
    EXPECT_TRUE(step.allow_plaintext);
    EXPECT_EQ(step.password, "p");
    EXPECT_EQ(step.password_file, "");
  }
}

TEST(LoadString, PasswordFileLosesOneTrailingNewline) {
  const std::pair<std::string, std::string> cases[] = {
      {"probe.pass", "s3cret"},
      {"crlf.pass", "s3cret"},
      {"no_newline.pass", "s3cret"},
      {"two_newlines.pass", "s3cret\n"},
      {"cr_before_crlf.pass", "s3 cret\r"},
  };
  for (const auto& [file, password] : cases) {
    SCOPED_TRACE(file);
    // Relative to the folder of the config file, which need not exist for load_string().
    const LoadResult result = load_string(
        "modules: {m: {tls: starttls, steps: [auth: {username: u, password_file: secrets/" + file +
            "}]}}",
        data_dir + "/exporter.yml");
    ASSERT_THAT(error_texts(result), IsEmpty());
    const Step& step = result.config->modules.at("m").steps.at(0);
    EXPECT_EQ(step.password, password);
    EXPECT_EQ(step.password_file, data_dir + "/secrets/" + file);
  }
}

TEST(LoadString, UnixTargetNameDefaultsToItsAddress) {
  const Config config = load_valid(R"(
modules: {lmtp: {protocol: lmtp}}
targets:
  - {address: "unix:/run/dovecot/lmtp", module: lmtp}
  - {address: "unix:/var/spool/postfix/private/dovecot-lmtp"}
)");
  ASSERT_EQ(config.targets.size(), 2u);
  EXPECT_EQ(config.targets[0].name, "unix:/run/dovecot/lmtp");
  EXPECT_EQ(config.targets[0].address.to_string(), "unix:/run/dovecot/lmtp");
  EXPECT_EQ(config.targets[1].address.unix_path, "/var/spool/postfix/private/dovecot-lmtp");
  EXPECT_EQ(config.targets[1].address.host, "");
  EXPECT_EQ(config.targets[1].address.port, 0);
}

// The password is a secret: whatever is wrong around it, no message shows it, nor what a
// password file holds.
TEST(LoadString, NoErrorShowsAPassword) {
  const std::string configs[] = {
      "modules: {m: {steps: [auth: {username: u, password: hunter2}]}}",
      "modules: {m: {steps: [auth: {username: u, password: hunter2, password_file: x}]}}",
      "modules: {m: {steps: [auth: {username: u, password_file: x, password: hunter2}]}}",
      "modules: {m: {steps: [auth: {username: u, password: hunter2, password: hunter2}]}}",
      "modules: {m: {steps: [auth: {username: u, password: [hunter2]}]}}",
      "modules: {m: {steps: [auth: {username: u, password: {hunter2: 1}}]}}",
      "modules: {m: {steps: [rcpt_to: {address: a@example.org, password: hunter2}]}}",
      "modules: {m: {steps: [auth: {username: u, password: hunter2, mechanism: x}, auth: {}]}}",
      // secrets/probe.pass holds s3cret; this module has no TLS.
      "modules: {m: {steps: [auth: {username: u, password_file: secrets/probe.pass}]}}",
      // A loop's IMAP password.
      "loops: [{name: l, receive: {imap: {address: x, username: u, password: hunter2, password: hunter2}}}]",
      "loops: [{name: l, receive: {imap: {address: x, username: u, password: [hunter2]}}}]",
      "loops: [{name: l, receive: {imap: {address: x, tls: none, username: u, password_file: secrets/probe.pass}}}]",
  };
  for (const std::string& yaml : configs) {
    SCOPED_TRACE(yaml);
    const LoadResult result = load_string(yaml, data_dir + "/exporter.yml");
    EXPECT_THAT(error_texts(result), Not(IsEmpty()));
    for (const std::string& text : error_texts(result)) {
      EXPECT_THAT(text, Not(HasSubstr("hunter2")));
      EXPECT_THAT(text, Not(HasSubstr("s3cret")));
    }
  }
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
  EXPECT_EQ(module.buckets, default_buckets);
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
  EXPECT_EQ(config.targets[0].address, (HostPort{"2001:db8::1", 25, ""}));
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

// As written: the QoS bounds are classify's to add (classify::latency_bounds).
TEST(LoadString, BucketsAsWritten) {
  const Config config = load_valid(R"(
modules:
  short: {qos_timeout: 300ms, buckets: [1, 2]}
  exact: {qos_timeout: 1s, buckets: [0.5, 1, 2]}
  defaults: {qos_timeout: 5s}
  empty: {qos_timeout: 1m, timeout: 2m, buckets: []}
)");
  EXPECT_THAT(config.modules.at("short").buckets, ElementsAre(1, 2));
  EXPECT_THAT(config.modules.at("exact").buckets, ElementsAre(0.5, 1, 2));
  EXPECT_THAT(config.modules.at("defaults").buckets,
              ElementsAre(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10));
  EXPECT_THAT(config.modules.at("empty").buckets, IsEmpty());
}

TEST(LoadString, DomainTargetsAndTheirGlobalSettings) {
  const Config config = load_valid(R"(
global:
  dns: {servers: ["127.0.0.1:5353", "[::1]:53"]}
  mta_sts: {port: 8443}
targets:
  - domain: Example.ORG.
  - {name: backup, domain: example.net, port: 2525, max_mx: 3, expect_null_mx: true, mta_sts: false, dane: false,
     max_addresses_per_mx: 2}
  - {address: "mx1.example.org"}
)");
  EXPECT_EQ(config.global.dns.servers, (std::vector<std::string>{"127.0.0.1:5353", "[::1]:53"}));
  EXPECT_EQ(config.global.mta_sts.port, 8443);
  ASSERT_EQ(config.targets.size(), 3u);
  ASSERT_TRUE(config.targets[0].domain);
  EXPECT_EQ(config.targets[0].name, "example.org");  // lower case, no trailing dot
  EXPECT_EQ(*config.targets[0].domain, (DomainTarget{"example.org", 25, 10, false, true, true, 4}));
  EXPECT_EQ(*config.targets[1].domain, (DomainTarget{"example.net", 2525, 3, true, false, false, 2}));
  EXPECT_EQ(config.targets[1].name, "backup");
  EXPECT_FALSE(config.targets[2].domain);
}

TEST(LoadString, DomainTargetErrors) {
  const LoadResult result = load_string(R"(targets:
  - {domain: example.org, address: mx1.example.org}
  - {domain: "192.0.2.1"}
  - {address: mx1.example.org, max_mx: 3}
  - {domain: example.com, max_mx: 0}
  - {name: x}
  - {domain: example.net, max_addresses_per_mx: 17}
  - {address: mx2.example.org, max_addresses_per_mx: 2}
)", "t.yml");
  EXPECT_THAT(error_texts(result),
              ElementsAre("t.yml:2:14: targets[0].domain: a target has either address or domain, not both",
                          "t.yml:3:14: targets[1].domain: invalid domain \"192.0.2.1\": an address, not a domain",
                          "t.yml:4:40: targets[2].max_mx: only a domain target takes this key",
                          "t.yml:5:35: targets[3].max_mx: expected an integer from 1 to 100, got \"0\"",
                          "t.yml:6:5: targets[4]: missing required key \"address\" (or \"domain\")",
                          "t.yml:7:49: targets[5].max_addresses_per_mx: expected an integer from 1 to 16, got \"17\"",
                          "t.yml:8:54: targets[6].max_addresses_per_mx: only a domain target takes this key"));
}

TEST(LoadString, LoopsWithImapAndMaildir) {
  const LoadResult result = load_string(R"(
global: {instance: mon1.example.net}
modules:
  submission: {tls: starttls, steps: [auth: {username: probe, password: pw}]}
loops:
  - name: example-org-inbound
    send: {address: "mx1.example.org:25", module: submission, from: probe@monitor.example.net, to: probe@example.org}
    receive:
      imap:
        address: imap.example.org
        username: probe@example.org
        password_file: secrets/probe.pass
        folders: [INBOX, Junk]
    interval: 1m
    poll_interval: 2s
    timeout: 5m
    buckets: [1, 10, 100]
  - name: local.maildir_1
    send: {address: "127.0.0.1:2525", from: a@example.org, to: b@example.org}
    receive: {maildir: secrets}
  - name: starttls
    send: {domain: Example.ORG, port: 587, from: a@example.org, to: b@example.org}
    receive: {imap: {address: "[::1]", tls: starttls, username: u, password: p}}
)", data_dir + "/exporter.yml");
  ASSERT_THAT(error_texts(result), IsEmpty());
  const Config& config = *result.config;
  EXPECT_EQ(config.global.instance, "mon1.example.net");
  ASSERT_EQ(config.loops.size(), 3u);
  const Loop& imap = config.loops[0];
  EXPECT_EQ(imap.name, "example-org-inbound");
  EXPECT_EQ(imap.send_address.to_string(), "mx1.example.org:25");
  EXPECT_EQ(imap.module, "submission");
  EXPECT_EQ(imap.from, "probe@monitor.example.net");
  EXPECT_EQ(imap.to, "probe@example.org");
  ASSERT_TRUE(imap.imap);
  EXPECT_EQ(imap.imap->address.to_string(), "imap.example.org:993");  // IMAPS by default
  EXPECT_EQ(imap.imap->tls, TlsMode::implicit);
  EXPECT_EQ(imap.imap->password, "s3cret");
  EXPECT_EQ(imap.imap->folders, (std::vector<std::string>{"INBOX", "Junk"}));
  EXPECT_EQ(imap.interval, seconds(60));
  EXPECT_EQ(imap.poll_interval, seconds(2));
  EXPECT_EQ(imap.timeout, seconds(300));
  EXPECT_EQ(imap.buckets, (std::vector<double>{1, 10, 100}));
  const Loop& maildir = config.loops[1];
  EXPECT_EQ(maildir.module, "smtp_ehlo");
  EXPECT_FALSE(maildir.imap);
  EXPECT_EQ(maildir.maildir, data_dir + "/secrets");
  EXPECT_EQ(maildir.interval, seconds(300));     // the defaults
  EXPECT_EQ(maildir.poll_interval, seconds(5));
  EXPECT_EQ(maildir.timeout, seconds(600));
  EXPECT_EQ(config.loops[2].imap->address.to_string(), "[::1]:143");
  EXPECT_EQ(config.loops[2].send_domain, "example.org");
  EXPECT_EQ(config.loops[2].send_port, 587);
  EXPECT_EQ(config.loops[2].send_address.host, "");
  EXPECT_EQ(config.loops[1].send_domain, "");
}

TEST(LoadString, LoopInstanceDefaultsToTheHostName) {
  const Config config = load_valid(R"(loops:
  - {name: l, send: {address: "127.0.0.1:25", from: a@example.org, to: b@example.org},
     receive: {imap: {address: "127.0.0.1:993", username: u, password: p}}})");
  EXPECT_EQ(config.global.instance, default_ehlo_name());
}

TEST(LoadString, LoopErrors) {
  const LoadResult result = load_string(R"(modules:
  relay: {steps: [rcpt_to: {address: x@example.org}]}
loops:
  - {name: "a b", send: {address: "127.0.0.1:25", from: "", to: b@example.org}, receive: {}}
  - {name: l2, send: {address: "127.0.0.1:25", module: nope, from: a@example.org, to: b@example.org},
     receive: {imap: {address: "127.0.0.1", tls: none, username: u, password: p}}}
  - {name: l3, send: {address: "127.0.0.1:25", module: relay, to: b@example.org},
     receive: {maildir: /nonexistent/Maildir}}
  - {name: l4, send: {address: "127.0.0.1:25", from: a@example.org, to: b@example.org},
     receive: {imap: {address: "127.0.0.1", username: u, password: p, password_file: x}, maildir: /tmp}}
  - {name: l2, receive: {imap: {username: u}}}
  - {name: l5, send: {address: "127.0.0.1:25", domain: example.org, from: a@example.org, to: b@example.org},
     receive: {maildir: /tmp}}
  - {name: l6, send: {address: "127.0.0.1:25", port: 26, from: a@example.org, to: b@example.org},
     receive: {maildir: /tmp}}
)", "t.yml");
  EXPECT_THAT(
      error_texts(result),
      ElementsAre(
          "t.yml:4:12: loops[0].name: expected 1 to 64 letters, digits, '.', '_' or '-', got \"a b\"",
          "t.yml:4:57: loops[0].send.from: must not be empty",
          "t.yml:4:90: loops[0].receive: missing required key \"imap\" (or \"maildir\")",
          "t.yml:5:56: loops[1].send.module: unknown module \"nope\"",
          "t.yml:6:50: loops[1].receive.imap.tls: IMAP without TLS would send the password in clear; use tls: "
          "implicit or starttls, or set allow_plaintext: true",
          "t.yml:7:22: loops[2].send: missing required key \"from\"",
          "t.yml:7:56: loops[2].send.module: module \"relay\" lists \"rcpt_to\"; a loop's module lists auth steps "
          "at most (the loop adds MAIL FROM, RCPT TO and DATA)",
          "t.yml:8:25: loops[2].receive.maildir: cannot read \"/nonexistent/Maildir\": No such file or directory",
          "t.yml:10:86: loops[3].receive.imap.password_file: cannot read \"x\": No such file or directory",
          "t.yml:10:86: loops[3].receive.imap.password_file: expected password or password_file, not both",
          "t.yml:10:99: loops[3].receive.maildir: a loop receives over imap or from a maildir, not both",
          "t.yml:11:5: loops[4]: missing required key \"send\"",
          "t.yml:11:12: loops[4].name: duplicate loop name \"l2\" (first at line 5)",
          "t.yml:11:32: loops[4].receive.imap: missing required key \"address\"",
          "t.yml:11:32: loops[4].receive.imap: missing required key \"password\" or \"password_file\"",
          "t.yml:12:56: loops[5].send.domain: a loop sends to an address or to a domain's MX, not both",
          "t.yml:14:54: loops[6].send.port: only a loop that sends to a domain takes this key (put the port in the "
          "address)"));
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
using test::InvalidFile;

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
     {"missing_address.yml:2:5: targets[0]: missing required key \"address\" (or \"domain\")"}},
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
      "bad_labels.yml:8:13: targets[0].labels.rack: expected a scalar, got a map",
      "bad_labels.yml:10:7: targets[0].labels: reserved label name \"step\"",
      "bad_labels.yml:11:7: targets[0].labels: reserved label name \"mechanism\"",
      "bad_labels.yml:12:7: targets[0].labels: reserved label name \"version\"",
      "bad_labels.yml:13:7: targets[0].labels: reserved label name \"fingerprint_sha256\""}},
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
    {"bad_protocol.yml",
     {"bad_protocol.yml:3:15: modules.m.protocol: expected smtp or lmtp, got \"LMTP\""}},
    // Each element of `steps` is a map with one key: a step kind a module may list.
    {"bad_step_list.yml",
     {"bad_step_list.yml:3:12: modules.not_a_list.steps: expected a sequence, got a map",
      "bad_step_list.yml:6:9: modules.elements.steps[0]: expected a map, got a scalar",
      "bad_step_list.yml:7:9: modules.elements.steps[1]: expected a step kind (auth, mail_from, "
      "rcpt_to or rset), got an empty map",
      "bad_step_list.yml:8:9: modules.elements.steps[2]: expected a step kind (auth, mail_from, "
      "rcpt_to or rset), got nothing",
      "bad_step_list.yml:10:9: modules.elements.steps[3]: expected one step kind per list "
      "element, got \"rcpt_to\" besides \"mail_from\"",
      "bad_step_list.yml:11:9: modules.elements.steps[4]: expected a step kind (auth, mail_from, "
      "rcpt_to or rset), got \"vrfy\"",
      "bad_step_list.yml:12:9: modules.elements.steps[5]: \"ehlo\" is part of every dialog, not "
      "a step to list; expected auth, mail_from, rcpt_to or rset",
      "bad_step_list.yml:13:9: modules.elements.steps[6]: \"quit\" is part of every dialog, not "
      "a step to list; expected auth, mail_from, rcpt_to or rset",
      "bad_step_list.yml:14:9: modules.elements.steps[7]: expected a map, got a sequence",
      "bad_step_list.yml:15:9: modules.elements.steps[8]: \"data\" is sent by a loop (loops:), not "
      "a step to list; expected auth, mail_from, rcpt_to or rset"}},
    // Options of another kind are unknown keys.
    {"bad_step_options.yml",
     {"bad_step_options.yml:5:16: modules.m.steps[0].rset: unknown key \"expect\"",
      "bad_step_options.yml:6:62: modules.m.steps[1].rcpt_to.expect: expected accept, reject or "
      "defer, got \"bounce\"",
      "bad_step_options.yml:6:70: modules.m.steps[1].rcpt_to: unknown key \"password\"",
      "bad_step_options.yml:7:42: modules.m.steps[2].auth: unknown key \"address\"",
      "bad_step_options.yml:8:53: modules.m.steps[3].auth.mechanism: expected auto, PLAIN, LOGIN "
      "or SCRAM-SHA-256, got \"CRAM-MD5\"",
      "bad_step_options.yml:8:80: modules.m.steps[3].auth.allow_plaintext: expected true or "
      "false, got \"yes\"",
      "bad_step_options.yml:9:22: modules.m.steps[4].rset.name: expected 1 to 64 letters, digits "
      "or underscores, got \"rset-1\"",
      "bad_step_options.yml:10:22: modules.m.steps[5].rset.name: expected 1 to 64 letters, "
      "digits or underscores, got \"\"",
      "bad_step_options.yml:11:22: modules.m.steps[6].rset.name: expected 1 to 64 letters, "
      "digits or underscores, got \"" + std::string(65, 'a') + "\"",
      "bad_step_options.yml:12:22: modules.m.steps[7].rset.name: expected a scalar, got a "
      "sequence",
      "bad_step_options.yml:13:15: modules.m.steps[8].rset: expected a map, got a scalar"}},
    // The reasons after the address are smtp::mailbox_problem()'s.
    {"bad_step_addresses.yml",
     {"bad_step_addresses.yml:4:20: modules.m.steps[0].mail_from: missing required key "
      "\"address\"",
      "bad_step_addresses.yml:5:21: modules.m.steps[1].mail_from.address: missing value",
      "bad_step_addresses.yml:6:9: modules.m.steps[2].mail_from: missing required key "
      "\"address\"",
      "bad_step_addresses.yml:7:28: modules.m.steps[3].rcpt_to.address: must not be empty",
      "bad_step_addresses.yml:8:28: modules.m.steps[4].rcpt_to.address: invalid address "
      "\"postmaster\": missing '@'",
      "bad_step_addresses.yml:9:28: modules.m.steps[5].rcpt_to.address: invalid address "
      "\"postmaster@example.org\\x0d\\x0aDATA\": contains CR or LF",
      "bad_step_addresses.yml:10:28: modules.m.steps[6].rcpt_to.address: invalid address "
      "\"<postmaster@example.org>\": invalid character '<' in local part",
      "bad_step_addresses.yml:11:30: modules.m.steps[7].mail_from.address: invalid address "
      "\"probe@\": empty domain"}},
    // No message shows a password; the password files are in data/secrets/.
    {"bad_auth.yml",
     {"bad_auth.yml:5:15: modules.m.steps[0].auth: missing required key \"username\"",
      "bad_auth.yml:5:15: modules.m.steps[0].auth: missing required key \"password\" or "
      "\"password_file\"",
      "bad_auth.yml:6:26: modules.m.steps[1].auth.username: must not be empty",
      "bad_auth.yml:6:40: modules.m.steps[1].auth.password: must not be empty",
      "bad_auth.yml:7:26: modules.m.steps[2].auth.username: expected a user name without CR, LF "
      "or NUL, got \"probe\\x0d\\x0aQUIT\"",
      // Both given: the error is on the later one.
      "bad_auth.yml:8:57: modules.m.steps[3].auth.password_file: expected password or "
      "password_file, not both",
      "bad_auth.yml:9:77: modules.m.steps[4].auth.password: expected password or password_file, "
      "not both",
      "bad_auth.yml:10:44: modules.m.steps[5].auth.password_file: cannot read "
      "\"../secrets/no_such.pass\": No such file or directory",
      "bad_auth.yml:11:44: modules.m.steps[6].auth.password_file: cannot read \"../secrets\": Is "
      "a directory",
      "bad_auth.yml:12:44: modules.m.steps[7].auth.password_file: password file "
      "\"../secrets/empty.pass\" is empty",
      "bad_auth.yml:13:44: modules.m.steps[8].auth.password_file: password file "
      "\"../secrets/newline_only.pass\" is empty",
      "bad_auth.yml:14:44: modules.m.steps[9].auth.password_file: password file "
      "\"../secrets/crlf_only.pass\" is empty"}},
    // tls after steps counts too; allow_plaintext: true is the way out; with tls itself wrong,
    // only that is reported.
    {"auth_without_tls.yml",
     {"auth_without_tls.yml:4:15: modules.no_tls_written.steps[0].auth: AUTH without TLS would "
      "send the password in clear; use tls: starttls or implicit, or allow_plaintext: true",
      "auth_without_tls.yml:8:15: modules.tls_none.steps[1].auth: AUTH without TLS would send "
      "the password in clear; use tls: starttls or implicit, or allow_plaintext: true",
      "auth_without_tls.yml:12:10: modules.tls_invalid.tls: expected none, starttls or implicit, "
      "got \"startls\""}},
    // Names are unique within a module, whether written or defaulted (rcpt_to, rcpt_to_2...).
    {"duplicate_step_names.yml",
     {"duplicate_step_names.yml:5:25: modules.m.steps[1].rcpt_to.name: duplicate step name "
      "\"relay\" (first at line 4)",
      "duplicate_step_names.yml:8:9: modules.m.steps[4]: duplicate step name \"rcpt_to_2\" (the "
      "default here; first at line 7)",
      "duplicate_step_names.yml:9:22: modules.m.steps[5].rset.name: duplicate step name "
      "\"rcpt_to\" (first at line 6)"}},
    // The path of 106 a's (107 bytes with its slash) fits in sun_path; 107 do not. Without a
    // module key, the TLS error points at the address (smtp_ehlo has STARTTLS here).
    {"bad_unix_targets.yml",
     {"bad_unix_targets.yml:7:15: targets[0].address: invalid address "
      "\"unix:run/dovecot/lmtp\": Unix socket path must be absolute",
      "bad_unix_targets.yml:8:15: targets[1].address: invalid address \"unix:\": Unix socket "
      "path must be absolute",
      "bad_unix_targets.yml:9:15: targets[2].address: invalid address \"unix:/" +
          std::string(107, 'a') + "\": Unix socket path longer than 107 bytes",
      "bad_unix_targets.yml:11:15: targets[4].address: invalid address \"unix:/run/lmtp\\x00x\": "
      "contains a control character",
      "bad_unix_targets.yml:12:41: targets[5].module: TLS over a Unix socket is not supported",
      "bad_unix_targets.yml:13:15: targets[6].address: TLS over a Unix socket is not "
      "supported"}},
    // The new keys' errors all at once, with the old ones, in file order.
    {"several_step_errors.yml",
     {"several_step_errors.yml:3:12: targets[1].name: duplicate target name \"lmtp\" (first at "
      "line 2)",
      "several_step_errors.yml:3:27: targets[1].address: invalid address \"unix:relative\": Unix "
      "socket path must be absolute",
      "several_step_errors.yml:6:15: modules.submission.protocol: expected smtp or lmtp, got "
      "\"esmtp\"",
      "several_step_errors.yml:8:15: modules.submission.steps[0].auth: AUTH without TLS would "
      "send the password in clear; use tls: starttls or implicit, or allow_plaintext: true",
      "several_step_errors.yml:8:75: modules.submission.steps[0].auth.mechanism: expected auto, "
      "PLAIN, LOGIN or SCRAM-SHA-256, got \"cram-md5\"",
      "several_step_errors.yml:9:59: modules.submission.steps[1].mail_from.expect: expected "
      "accept, reject or defer, got \"maybe\"",
      "several_step_errors.yml:10:28: modules.submission.steps[2].rcpt_to.address: must not be "
      "empty",
      "several_step_errors.yml:11:25: modules.submission.steps[3].rcpt_to.name: duplicate step "
      "name \"rcpt_to\" (first at line 10)",
      "several_step_errors.yml:12:9: modules.submission.steps[4]: \"starttls\" is part of every "
      "dialog, not a step to list; expected auth, mail_from, rcpt_to or rset",
      "several_step_errors.yml:14:13: global.interval: expected a duration greater than 0s, got "
      "\"0s\""}},
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

INSTANTIATE_TEST_SUITE_P(Files, InvalidConfig, ::testing::ValuesIn(invalid_files), test::case_name);

TEST(InvalidConfigFiles, EveryFileHasExpectedErrors) {
  test::expect_table_lists_every_file(invalid_files, data_dir + "/invalid");
}

}  // namespace
}  // namespace smtp_exporter::config
