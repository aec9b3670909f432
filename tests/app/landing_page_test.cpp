// The landing page: values from the config and from requests are HTML-escaped, and nothing of a
// module's settings (an auth step's password) is shown.
#include "app/landing_page.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace smtp_exporter::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape(R"(<a href="x">'&'</a>)"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("mx1.example.org:25"), "mx1.example.org:25");
}

struct Page {
  Targets targets;
  std::deque<RecentProbe> recent;
  Loops loops;
  std::string render(std::string_view config_file = "smtp_exporter.yml", std::string_view path = "/metrics") const {
    return render_landing_page({config_file, path, false, targets, recent, &loops, 1700000000.0});
  }
};

// The targets of a config text, as the App makes them.
Targets targets_of(const char* yaml) {
  const config::LoadResult loaded = config::load_string(yaml, "test.yml");
  for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
  if (!loaded.config) return {};
  std::vector<config::Error> errors;
  const Modules modules = prepare_modules(*loaded.config, "test.yml", errors);
  return reload_targets({}, loaded.config->targets, modules, true).targets;
}

TEST(LandingPage, ShowsATargetNamedLikeAScriptAsText) {
  config::Module module;
  module.name = "smtp_ehlo";
  config::Target target;
  target.name = "<script>alert(1)</script>";
  target.address = {"mx.example.org", 25, ""};
  target.module = "smtp_ehlo";
  Page page;
  page.targets.push_back(make_entry(target, {std::make_shared<const config::Module>(module), nullptr}));
  page.recent.push_back({"<img src=x onerror=alert(2)>", "<b>", 1700000000.0, {}, 0.5, 0.6});
  const std::string html = page.render("<conf>.yml", "/m\"etrics");
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(2)&gt;"));
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Module\">&lt;b&gt;</td>"));
  EXPECT_THAT(html, HasSubstr("&lt;conf&gt;.yml"));
  EXPECT_THAT(html, HasSubstr("href=\"/m&quot;etrics\""));
  EXPECT_THAT(html, HasSubstr("not probed yet"));
}

TEST(LandingPage, ShowsNoPasswordOfAnAuthStep) {
  Page page;
  page.targets = targets_of(R"(
modules:
  submission:
    ehlo_name: probe.example.org
    steps:
      - auth: {username: probe@example.org, password: "s3cret-Pa55word", allow_plaintext: true}
targets:
  - {name: mx, address: 192.0.2.1:587, module: submission}
)");
  ASSERT_EQ(page.targets.size(), 1u);
  ASSERT_EQ(page.targets[0]->module->steps.at(0).password, "s3cret-Pa55word");
  prober::ProbeResult result;
  result.failure = prober::Failure::auth_rejected;
  const auto verdict = classify::classify(result, std::chrono::seconds(2));
  page.targets[0]->state.record(result, verdict, 1700000000.0);
  page.targets[0]->last_verdict = verdict;
  page.recent.push_back({"mx", "submission", 1700000000.0, verdict, std::nullopt, 0.1});
  const std::string html = page.render();
  EXPECT_THAT(html, HasSubstr("<a href=\"/target?name=mx\">mx</a>"));
  EXPECT_THAT(html, HasSubstr("auth_rejected"));
  EXPECT_THAT(html, Not(HasSubstr("s3cret")));
  EXPECT_THAT(html, Not(HasSubstr("Pa55word")));
}

TEST(LandingPage, ShowsADomainTargetUpWithItsAddressesOrDownWithItsDnsFailure) {
  Page page;
  page.targets = targets_of(R"(
targets:
  - {name: "<i>example</i>", domain: example.org}
)");
  ASSERT_EQ(page.targets.size(), 1u);
  ASSERT_TRUE(page.targets[0]->domain);
  EXPECT_THAT(page.render(), HasSubstr(">&lt;i&gt;example&lt;/i&gt;</a>"));
  EXPECT_THAT(page.render(), HasSubstr("<div class=\"where\" data-label=\"Where\">domain example.org port 25, module smtp_ehlo</div>"));
  EXPECT_THAT(page.render(), HasSubstr("not probed yet"));

  domain::DomainResult result;
  result.mx.push_back({.host = {"mx1.example.org", 10}});
  for (const char* address : {"192.0.2.1", "192.0.2.2"}) {
    domain::AddressProbe probe;
    probe.mx = "mx1.example.org";
    probe.address = address;
    probe.result.ehlo_latency_seconds = 0.1;
    result.addresses.push_back(std::move(probe));
  }
  result.addresses[1].result.failure = prober::Failure::connect_refused;
  page.targets[0]->domain->record(result, 1700000000.0);
  EXPECT_THAT(page.render(), HasSubstr("<td data-label=\"State\" class=\"state ok\">up</td>"));
  EXPECT_THAT(page.render(), HasSubstr("<td data-label=\"Reason\">1 of 2 MX addresses up</td>"));

  domain::DomainResult failed;
  failed.dns_failure = domain::DnsFailure::servfail;
  page.targets[0]->domain->record(failed, 1700000060.0);
  EXPECT_THAT(page.render(), HasSubstr("<td data-label=\"State\" class=\"state fail\">down</td>"));
  EXPECT_THAT(page.render(), HasSubstr("<td data-label=\"Reason\">DNS: servfail</td>"));
}

// A loop's row: where it sends and looks, what it counted; never its login.
TEST(LandingPage, ShowsEachLoopWithoutItsLogin) {
  const config::LoadResult loaded = config::load_string(R"(loops:
  - name: inbound
    send: {address: "mx1.example.org:25", from: a@example.org, to: b@example.org}
    receive: {imap: {address: "imap.example.org", username: probe-user, password: hunter2}}
  - name: local
    send: {domain: example.org, from: a@example.org, to: b@example.org}
    receive: {maildir: "/"}
)", "test.yml");
  ASSERT_TRUE(loaded.config);
  Page page;
  for (const config::Loop& loop : loaded.config->loops) {
    LoopEntry entry;
    entry.loop = loop;
    entry.state = std::make_shared<metrics::LoopState>(loop.name, loop.buckets, std::span<const std::string_view>(),
                                                      std::span<const std::string_view>());
    page.loops.push_back(std::move(entry));
  }
  page.loops[0].state->sent();
  page.loops[0].state->sent();
  page.loops[0].state->received({"INBOX", 1.25, 1700000000, std::nullopt, {}});
  page.loops[0].state->lost();
  page.loops[0].state->receive_succeeded();
  const std::string html = page.render();
  EXPECT_THAT(html, HasSubstr("<h2>Mail loops</h2>"));
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Loop\">inbound</td>\n"
                              "<td data-label=\"Mailbox\" class=\"state ok\">reachable</td>\n"
                              "<td data-label=\"Sends to\">mx1.example.org:25</td>\n"
                              "<td data-label=\"Looks in\">IMAP imap.example.org:993</td>\n"
                              "<td data-label=\"Sent\">2</td>\n<td data-label=\"Found\">1</td>\n"
                              "<td data-label=\"Lost\" class=\"fail\">1</td>\n<td data-label=\"Late\">0</td>\n"
                              "<td data-label=\"Out\">0</td>\n<td data-label=\"Last round trip\">1.250 s</td>\n"
                              "<td data-label=\"Last found\">2023-11-14 22:13:20Z</td>"));
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Loop\">local</td>\n"
                              "<td data-label=\"Mailbox\" class=\"state fail\">unreachable</td>\n"
                              "<td data-label=\"Sends to\">MX of example.org port 25</td>\n"
                              "<td data-label=\"Looks in\">Maildir /</td>"));
  // The unreachable loop first.
  EXPECT_LT(html.find(">local</td>"), html.find(">inbound</td>"));
  EXPECT_THAT(html, Not(HasSubstr("hunter2")));
  EXPECT_THAT(html, Not(HasSubstr("probe-user")));
  // Without loops, no table.
  page.loops.clear();
  EXPECT_THAT(page.render(), Not(HasSubstr("Mail loops")));
}

}  // namespace
}  // namespace smtp_exporter::app
