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
  std::string render(std::string_view config_file = "smtp_exporter.yml", std::string_view path = "/metrics") const {
    return render_landing_page({config_file, path, false, targets, recent});
  }
};

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
  EXPECT_THAT(html, HasSubstr("<td>&lt;b&gt;</td>"));
  EXPECT_THAT(html, HasSubstr("&lt;conf&gt;.yml"));
  EXPECT_THAT(html, HasSubstr("href=\"/m&quot;etrics\""));
  EXPECT_THAT(html, HasSubstr("not probed yet"));
}

TEST(LandingPage, ShowsNoPasswordOfAnAuthStep) {
  const config::LoadResult loaded = config::load_string(R"(
modules:
  submission:
    ehlo_name: probe.example.org
    steps:
      - auth: {username: probe@example.org, password: "s3cret-Pa55word", allow_plaintext: true}
targets:
  - {name: mx, address: 192.0.2.1:587, module: submission}
)",
                                                        "test.yml");
  for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
  ASSERT_TRUE(loaded.config);
  std::vector<config::Error> errors;
  const Modules modules = prepare_modules(*loaded.config, "test.yml", errors);
  ASSERT_EQ(modules.at("submission").settings->steps.at(0).password, "s3cret-Pa55word");
  Page page;
  page.targets = reload_targets({}, loaded.config->targets, modules, true).targets;
  prober::ProbeResult result;
  result.failure = prober::Failure::auth_rejected;
  const auto verdict = classify::classify(result, std::chrono::seconds(2));
  page.targets[0]->state.record(result, verdict, 1700000000.0);
  page.targets[0]->last_verdict = verdict;
  page.recent.push_back({"mx", "submission", 1700000000.0, verdict, std::nullopt, 0.1});
  const std::string html = page.render();
  EXPECT_THAT(html, HasSubstr("<td>mx</td>"));
  EXPECT_THAT(html, HasSubstr("auth_rejected"));
  EXPECT_THAT(html, Not(HasSubstr("s3cret")));
  EXPECT_THAT(html, Not(HasSubstr("Pa55word")));
}

}  // namespace
}  // namespace smtp_exporter::app
