// The status pages (issue 17) rendered from fixed inputs: / sorts failing first and shows each
// state in colour and in words, the counts, the reason, the certificate's days left and a
// sparkline whose points and QoS lines sit where they should; a phone gets stacked cards; every
// value is escaped (' and " too). /target shows the last probe's phases, the last 20 probes of
// every target, their transcripts with few targets, the certificate. What a target keeps is
// bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "app/landing_page.hpp"
#include "app/status_history.hpp"
#include "app/status_view.hpp"
#include "app/target_page.hpp"

namespace smtp_exporter::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kNow = 1700000000.0;  // 2023-11-14 22:13:20Z

// The targets of a config text, as the App makes them.
Targets targets_of(const char* yaml) {
  const config::LoadResult loaded = config::load_string(yaml, "test.yml");
  for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
  if (!loaded.config) return {};
  std::vector<config::Error> errors;
  const Modules modules = prepare_modules(*loaded.config, "test.yml", errors);
  return reload_targets({}, loaded.config->targets, modules, true).targets;
}

// A probe whose final 250 to EHLO came after `latency` seconds, or that failed with `failure`.
prober::ProbeResult probe_result(std::optional<double> latency, prober::Failure failure = prober::Failure::none) {
  prober::ProbeResult result;
  result.ehlo_latency_seconds = latency;
  result.failure = failure;
  result.total_seconds = latency.value_or(0.5) + 0.01;
  result.phase_seconds[static_cast<std::size_t>(prober::Phase::connect)] = 0.01;
  result.phase_seconds[static_cast<std::size_t>(prober::Phase::greeting)] = 0.03;
  result.phase_seconds[static_cast<std::size_t>(prober::Phase::ehlo)] = 0.06;
  if (failure != prober::Failure::none) result.detail = "connect: Connection refused";
  return result;
}

// Records a probe in the entry as ProbeRunner::probe_target does.
void record(TargetEntry& entry, const prober::ProbeResult& result, double at, std::size_t share = 0) {
  const auto verdict = classify::classify(result, std::chrono::duration<double>(entry.module->qos_timeout));
  entry.state.record(result, verdict, at);
  entry.last_verdict = verdict;
  entry.last_latency = result.ehlo_latency_seconds;
  entry.history.record(result, verdict, at, share);
}

std::string landing(const Targets& targets) {
  const std::deque<RecentProbe> recent;
  return render_landing_page({"smtp_exporter.yml", "/metrics", false, targets, recent, nullptr, kNow});
}

constexpr const char* kFourTargets = R"(
modules:
  smtp_ehlo: {ehlo_name: probe.example.org, qos_timeout: 1s, timeout: 5s}
targets:
  - {name: a-healthy, address: "192.0.2.1:25"}
  - {name: b-failing, address: "192.0.2.2:25"}
  - {name: c-new, address: "192.0.2.3:25"}
  - {name: d-slow, address: "192.0.2.4:25"}
)";

TEST(StatusPage, SortsFailingFirstWithStateInColourAndWords) {
  Targets targets = targets_of(kFourTargets);
  ASSERT_EQ(targets.size(), 4u);
  record(*targets[0], probe_result(0.1), kNow - 5);
  record(*targets[1], probe_result(std::nullopt, prober::Failure::connect_refused), kNow - 5);
  record(*targets[3], probe_result(1.5), kNow - 5);
  const std::string html = landing(targets);
  const auto at = [&](const char* name) { return html.find(std::string(">") + name + "</a>"); };
  ASSERT_NE(at("a-healthy"), std::string::npos);
  EXPECT_LT(at("b-failing"), at("d-slow"));
  EXPECT_LT(at("d-slow"), at("c-new"));
  EXPECT_LT(at("c-new"), at("a-healthy"));
  EXPECT_THAT(html, HasSubstr("class=\"state fail\">failing (5509)</td>"));
  EXPECT_THAT(html, HasSubstr("class=\"state warn\">QoS warning (5511)</td>"));
  EXPECT_THAT(html, HasSubstr("class=\"state none\">not probed yet</td>"));
  EXPECT_THAT(html, HasSubstr("class=\"state ok\">OK (5510)</td>"));
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Reason\">connect_refused: connect: Connection refused</td>"));
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Reason\">EHLO answered in 1.500 s, over the QoS time of 1.000 s</td>"));
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Last probe\">2023-11-14 22:13:15Z</td>"));
}

TEST(StatusPage, CountsEventsSinceStart) {
  Targets targets = targets_of(kFourTargets);
  TargetEntry& entry = *targets[0];
  for (int i = 0; i < 3; ++i) record(entry, probe_result(0.1), kNow);
  for (int i = 0; i < 2; ++i) record(entry, probe_result(1.2), kNow);
  record(entry, probe_result(std::nullopt, prober::Failure::greeting_timeout), kNow);
  const std::string html = landing(targets);
  EXPECT_THAT(html, HasSubstr("<td data-label=\"5510\">3</td>\n<td data-label=\"5511\">2</td>\n"
                              "<td data-label=\"5509\">1</td>"));
}

// A probe's sample with its QoS latency (none: no final 250) and event.
ProbeSample sample(std::optional<double> latency, classify::Event event) {
  return ProbeSample(probe_result(latency), classify::Verdict{.event = event}, kNow);
}

TEST(Sparkline, PlotsTheNewestOnTheRightWithTheQosLines) {
  std::vector<ProbeSample> samples;
  samples.push_back(sample(0.1, classify::Event::success));
  samples.push_back(sample(1.5, classify::Event::qos_warning));
  samples.push_back(sample(std::nullopt, classify::Event::failed));
  const Sparkline line = sparkline(samples, 1.0);
  EXPECT_EQ(line.count, 3u);
  // x: 4 apart, the newest at 196; y: 40 at 0 s, 0 at 3 x QoS (and for a probe without latency).
  EXPECT_EQ(line.points, "188,38.7 192,20.0 196,0.0");
  EXPECT_EQ(line.qos_y, "26.7");
  EXPECT_EQ(line.qos2_y, "13.3");
  ASSERT_EQ(line.failed.size(), 1u);
  EXPECT_EQ(line.failed[0].x, "196");
  EXPECT_EQ(line.failed[0].y, "0.0");
  // Slower than 3 x QoS: drawn at the top.
  samples.push_back(sample(7.0, classify::Event::failed));
  EXPECT_THAT(sparkline(samples, 1.0).points, ::testing::EndsWith("196,0.0"));
}

TEST(StatusPage, DrawsTheLast50LatenciesAsAnInlineSvg) {
  Targets targets = targets_of(kFourTargets);
  for (int i = 0; i < 60; ++i) record(*targets[0], probe_result(0.3), kNow + i);
  EXPECT_EQ(targets[0]->history.samples().size(), StatusHistory::kLatencies);
  const std::string html = landing(targets);
  const auto start = html.find("<polyline points=\"");
  ASSERT_NE(start, std::string::npos);
  const std::string points = html.substr(start + 18, html.find('"', start + 18) - start - 18);
  EXPECT_EQ(std::count(points.begin(), points.end(), ','), 50);
  EXPECT_THAT(points, ::testing::StartsWith("0,36.0 4,36.0 "));
  EXPECT_THAT(points, ::testing::EndsWith(" 196,36.0"));
  EXPECT_THAT(html, HasSubstr("aria-label=\"last 50 QoS latencies\""));
  EXPECT_THAT(html, HasSubstr("<line class=\"qos\" x1=\"0\" x2=\"200\" y1=\"26.7\" y2=\"26.7\"/>"));
  EXPECT_THAT(html, HasSubstr("<line class=\"qos2\" x1=\"0\" x2=\"200\" y1=\"13.3\" y2=\"13.3\"/>"));
  // A target not probed yet has no sparkline.
  EXPECT_EQ(html.find("<svg"), html.rfind("<svg"));
}

TEST(StatusPage, ShowsTheCertificatesDaysLeft) {
  Targets targets = targets_of(kFourTargets);
  prober::ProbeResult result = probe_result(0.1);
  result.tls = prober::TlsFacts{};
  result.tls->cert_not_after = kNow + 10.5 * 86400;
  record(*targets[0], result, kNow);
  record(*targets[1], probe_result(0.1), kNow);
  const std::string html = landing(targets);
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Certificate\">10 days left</td>"));
  EXPECT_THAT(html, HasSubstr("<td data-label=\"Certificate\">-</td>"));
}

TEST(StatusPage, SaysOneDayLeftInTheSingular) {
  EXPECT_EQ(days_left(kNow + 1.5 * 86400, kNow), "1 day left");
  EXPECT_EQ(days_left(kNow + 2 * 86400, kNow), "2 days left");
  EXPECT_EQ(days_left(kNow + 3600, kNow), "0 days left");
  EXPECT_EQ(days_left(kNow - 3600, kNow), "expired today");
  EXPECT_EQ(days_left(kNow - 1.5 * 86400, kNow), "expired 1 day ago");
  EXPECT_EQ(days_left(kNow - 3 * 86400, kNow), "expired 3 days ago");

  Targets targets = targets_of(kFourTargets);
  prober::ProbeResult result = probe_result(0.1);
  result.tls = prober::TlsFacts{};
  result.tls->cert_not_after = kNow + 1.5 * 86400;
  record(*targets[0], result, kNow);
  EXPECT_THAT(landing(targets), HasSubstr("<td data-label=\"Certificate\">1 day left</td>"));
  EXPECT_THAT(render_target_page({*targets[0], 0, kNow}), HasSubstr("<dt>Expires</dt><dd>1 day left</dd>"));
}

TEST(StatusPage, StreamedInPiecesIsTheSamePage) {
  Targets targets = targets_of(kFourTargets);
  for (const auto& entry : targets) record(*entry, probe_result(0.1), kNow);
  const std::deque<RecentProbe> recent;
  const LandingPage page{"smtp_exporter.yml", "/metrics", false, targets, recent, nullptr, kNow};
  LandingPageStream stream(page);
  std::string html, piece;
  std::size_t pieces = 0;
  for (bool more = true; more; ++pieces) {
    more = stream.next(piece, 1);  // a row a piece
    html += piece;
  }
  EXPECT_EQ(pieces, targets.size());
  EXPECT_EQ(html, render_landing_page(page));
  EXPECT_THAT(html, ::testing::EndsWith("</html>\n"));
}

TEST(StatusPage, ReadsOnAPhone) {
  const std::string html = landing(targets_of(kFourTargets));
  EXPECT_THAT(html, HasSubstr("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
  EXPECT_THAT(html, HasSubstr("@media (max-width: 760px)"));
  EXPECT_THAT(html, HasSubstr("table.cards td::before { content: attr(data-label)"));
  EXPECT_THAT(html, HasSubstr("<table class=\"cards\" id=\"targets\">"));
  EXPECT_THAT(html, HasSubstr("<meta http-equiv=\"refresh\" content=\"30\">"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));  // works without JavaScript
}

TEST(StatusPage, EscapesQuotesAndApostrophesToo) {
  Targets targets = targets_of(R"(
targets:
  - {name: "\"it's\" <b>&", address: "192.0.2.1:25"}
)");
  const std::string html = landing(targets);
  EXPECT_THAT(html, HasSubstr(">&quot;it&apos;s&quot; &lt;b&gt;&amp;</a>"));
  EXPECT_THAT(html, HasSubstr("href=\"/target?name=%22it%27s%22%20%3Cb%3E%26\""));
  EXPECT_THAT(html, Not(HasSubstr("it's")));
}

TEST(StatusHistory, KeepsACompactSampleOfEachProbe) {
  EXPECT_EQ(sizeof(ProbeSample), 12u);
  if constexpr (sizeof(void*) == 8) {
    EXPECT_EQ(sizeof(StatusHistory), 88u);  // as status_history.hpp says
  }
  prober::ProbeResult result = probe_result(0.1234);
  result.total_seconds = 0.4567;
  const ProbeSample ok(result, classify::classify(result, std::chrono::seconds(1)), kNow + 0.9);
  EXPECT_EQ(ok.finished(), kNow);  // whole seconds, as the pages show it
  EXPECT_EQ(ok.event(), classify::Event::success);
  EXPECT_EQ(ok.reason(), prober::Failure::none);
  ASSERT_TRUE(ok.latency());
  EXPECT_NEAR(*ok.latency(), 0.1234, 1e-6);
  EXPECT_EQ(format_seconds(ok.duration()), "0.457 s");

  result = probe_result(std::nullopt, prober::Failure::step_timeout);
  result.total_seconds = 1e6;  // longer than a duration is kept: the longest kept
  const ProbeSample failed(result, classify::classify(result, std::chrono::seconds(1)), kNow);
  EXPECT_EQ(failed.event(), classify::Event::failed);
  EXPECT_EQ(failed.reason(), prober::Failure::step_timeout);
  EXPECT_FALSE(failed.latency());
  EXPECT_EQ(failed.duration(), ProbeSample::kMaxDurationMs / 1000.0);
}

TEST(StatusHistory, KeepsTheLast50ProbesAndTheTranscriptsOfThe20NewestWithinTheShare) {
  StatusHistory history;
  prober::ProbeResult result = probe_result(0.1);
  for (int i = 0; i < 10; ++i) result.transcript.push_back({0.001 * i, '<', "250-line " + std::to_string(i)});
  const auto verdict = classify::classify(result, std::chrono::seconds(1));
  for (int i = 0; i < 55; ++i) history.record(result, verdict, kNow + i, 1 << 20);
  ASSERT_EQ(history.samples().size(), StatusHistory::kLatencies);
  EXPECT_EQ(history.samples().back().finished(), kNow + 54);  // the oldest first
  EXPECT_EQ(history.samples().front().finished(), kNow + 5);
  ASSERT_EQ(history.transcripts().size(), StatusHistory::kProbes);
  const KeptTranscript& newest = history.transcripts().front();
  EXPECT_EQ(newest.lines.size(), 10u);
  EXPECT_EQ(newest.bytes, 10 * sizeof(prober::TranscriptLine) + 10 * std::string("250-line 0").size());
  EXPECT_THAT(newest.text(), HasSubstr(" 0.001000 < 250-line 1\n"));
  EXPECT_EQ(history.transcript_bytes(), StatusHistory::kProbes * newest.bytes);

  // A share for three transcripts: the older ones lose theirs, the probes stay listed.
  history.record(result, verdict, kNow + 55, 3 * newest.bytes);
  EXPECT_EQ(history.transcripts().size(), StatusHistory::kProbes);
  EXPECT_EQ(history.transcript_bytes(), 3 * newest.bytes);
  EXPECT_FALSE(history.transcripts()[2].lines.empty());
  EXPECT_TRUE(history.transcripts()[3].lines.empty());

  // No share (many targets): no transcript at all, the probe's sample still kept.
  history.record(result, verdict, kNow + 56, 0);
  EXPECT_TRUE(history.transcripts().empty());
  EXPECT_EQ(history.transcript_bytes(), 0u);
  EXPECT_EQ(history.samples().back().finished(), kNow + 56);
}

TEST(StatusHistory, CutsALongTranscript) {
  StatusHistory history;
  prober::ProbeResult result = probe_result(0.1);
  for (int i = 0; i < 1000; ++i) result.transcript.push_back({0.0, '<', std::string(50, 'x')});
  history.record(result, classify::classify(result, std::chrono::seconds(1)), kNow, 1 << 20);
  const KeptTranscript& kept = history.transcripts().front();
  EXPECT_LE(kept.bytes, StatusHistory::kTranscriptBytes);
  EXPECT_EQ(kept.lines.size(), StatusHistory::kTranscriptBytes / (sizeof(prober::TranscriptLine) + 50));
  EXPECT_EQ(kept.left_out, 1000 - kept.lines.size());
  EXPECT_THAT(kept.text(), ::testing::EndsWith("\n(" + std::to_string(kept.left_out) +
                                               " more lines not kept: a transcript is cut at 4096 bytes)\n"));
  EXPECT_EQ(transcript_text({{0.25, '>', "EHLO probe.example.org"}}), " 0.250000 > EHLO probe.example.org\n");
}

TEST(StatusHistory, TranscriptShareSplitsOneBudget) {
  EXPECT_EQ(transcript_share(0), StatusHistory::kProbes * StatusHistory::kTranscriptBytes);
  EXPECT_EQ(transcript_share(100), StatusHistory::kProbes * StatusHistory::kTranscriptBytes);
  EXPECT_EQ(transcript_share(101), 0u);  // more targets: none recorded
  EXPECT_EQ(transcript_share(10000), 0u);
}

TEST(TargetPage, ShowsPhasesProbesTranscriptsAndCertificate) {
  Targets targets = targets_of(R"(
modules:
  submission:
    ehlo_name: probe.example.org
    qos_timeout: 1s
    steps:
      - auth: {username: probe@example.org, password: "s3cret-Pa55word", allow_plaintext: true}
targets:
  - {name: "<script>alert(1)</script>", address: "192.0.2.1:587", module: submission}
)");
  ASSERT_EQ(targets.size(), 1u);
  TargetEntry& entry = *targets[0];
  prober::ProbeResult result = probe_result(0.1);
  result.transcript = {{0.0, '*', "connected to 192.0.2.1:587"},
                       {0.03, '<', "220 mx <b>ESMTP</b>"},
                       {0.05, '>', "AUTH PLAIN <redacted>"}};
  result.tls = prober::TlsFacts{"TLS 1.3", "TLS_AES_256_GCM_SHA384", true, kNow + 30 * 86400, kNow + 20 * 86400,
                                "mx.example.org", "Test CA", "0A1B", "ab12", {}};
  record(entry, result, kNow, 1 << 20);
  record(entry, probe_result(std::nullopt, prober::Failure::connect_refused), kNow + 60, 1 << 20);
  const std::string html = render_target_page({entry, 1 << 20, kNow + 60});

  EXPECT_THAT(html, HasSubstr("<h1 id=\"name\">&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, HasSubstr("class=\"state fail\" id=\"state\">failing (5509)</dd>"));
  EXPECT_THAT(html, HasSubstr("<dd id=\"reason\">connect_refused: connect: Connection refused</dd>"));
  // The phases of the last probe (connect 0.01, greeting 0.03, ehlo 0.06 of 0.1 s).
  EXPECT_THAT(html, HasSubstr("<span class=\"phase-connect\" style=\"width: 10.0%\" title=\"connect: 0.010 s\"></span>"
                              "<span class=\"phase-greeting\" style=\"width: 30.0%\""));
  EXPECT_THAT(html, HasSubstr("<span class=\"phase-ehlo\" style=\"width: 60.0%\""));
  // Both probes, the newest first; the transcript of the first, escaped.
  const auto newest = html.find("2023-11-14 22:14:20Z: <span class=\"state fail\">");
  const auto oldest = html.find("2023-11-14 22:13:20Z: <span class=\"state ok\">OK (5510)</span>");
  ASSERT_NE(newest, std::string::npos);
  ASSERT_NE(oldest, std::string::npos);
  EXPECT_LT(newest, oldest);
  EXPECT_THAT(html, HasSubstr("<pre class=\"transcript\"> 0.000000 * connected to 192.0.2.1:587\n"
                              " 0.030000 &lt; 220 mx &lt;b&gt;ESMTP&lt;/b&gt;\n"
                              " 0.050000 &gt; AUTH PLAIN &lt;redacted&gt;\n</pre>"));
  EXPECT_THAT(html, Not(HasSubstr("s3cret")));
  EXPECT_THAT(html, Not(HasSubstr("Pa55word")));
  // The certificate's facts, kept through the failed probe.
  EXPECT_THAT(html, HasSubstr("<dt>Expires</dt><dd>29 days left</dd>"));
  EXPECT_THAT(html, HasSubstr("<dt>Subject CN</dt><dd>mx.example.org</dd>"));
  EXPECT_THAT(html, HasSubstr("<dt>Protocol</dt><dd>TLS 1.3, TLS_AES_256_GCM_SHA384</dd>"));
  // Links to probe it.
  EXPECT_THAT(html, HasSubstr("<a href=\"/probe?target=192.0.2.1%3A587&amp;module=submission\" id=\"probe-link\">"));
  EXPECT_THAT(html, HasSubstr("&amp;debug=true\" id=\"debug-link\">"));
  EXPECT_THAT(html, HasSubstr("This target keeps at most 1024 KiB of them"));
}

TEST(TargetPage, ListsTheLast20ProbesOfEveryTargetWithoutTranscriptsWhenThereAreMany) {
  Targets targets = targets_of(kFourTargets);
  TargetEntry& entry = *targets[0];
  for (int i = 0; i < 24; ++i) record(entry, probe_result(0.25), kNow + 60 * i, 0);
  record(entry, probe_result(std::nullopt, prober::Failure::ehlo_timeout), kNow + 60 * 24, 0);
  const std::string html = render_target_page({entry, 0, kNow + 60 * 25});
  EXPECT_THAT(html, HasSubstr("With more than 100 targets the exporter keeps no transcripts"));
  EXPECT_THAT(html, HasSubstr("<a href=\"/probe?target=192.0.2.1%3A25&amp;module=smtp_ehlo&amp;debug=true\">"));
  EXPECT_THAT(html, Not(HasSubstr("<pre")));
  EXPECT_THAT(html, Not(HasSubstr("Transcript not kept")));
  // The newest first: the failure (its reason, no latency), then 19 of the OK probes.
  std::size_t listed = 0;
  for (auto at = html.find("<section class=\"probe\">"); at != std::string::npos;
       at = html.find("<section class=\"probe\">", at + 1)) {
    ++listed;
  }
  EXPECT_EQ(listed, StatusHistory::kProbes);
  const auto newest = html.find("2023-11-14 22:37:20Z: <span class=\"state fail\">failing (5509)</span>");
  ASSERT_NE(newest, std::string::npos);
  EXPECT_THAT(html.substr(newest), HasSubstr("Reason: ehlo_timeout. EHLO latency: -. Duration: 0.510 s."));
  EXPECT_THAT(html, HasSubstr("2023-11-14 22:36:20Z: <span class=\"state ok\">OK (5510)</span>"));
  EXPECT_THAT(html, HasSubstr("Reason: -. EHLO latency: 0.250 s. Duration: 0.260 s."));
  EXPECT_THAT(html, HasSubstr("2023-11-14 22:18:20Z: "));      // the 20th newest
  EXPECT_THAT(html, Not(HasSubstr("2023-11-14 22:17:20Z: ")));  // the 21st is not listed
  EXPECT_THAT(html, HasSubstr("No TLS session seen."));
}

TEST(TargetPage, SaysWhenNotProbedYet) {
  Targets targets = targets_of(kFourTargets);
  EXPECT_THAT(render_target_page({*targets[0], 0, kNow}), HasSubstr("<p>Not probed yet.</p>"));
}

TEST(TargetPage, FindsATargetByName) {
  Targets targets = targets_of(kFourTargets);
  EXPECT_EQ(find_target(targets, "c-new"), targets[2]);
  EXPECT_EQ(find_target(targets, "nope"), nullptr);
}

}  // namespace
}  // namespace smtp_exporter::app
