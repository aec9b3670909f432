// The HTTP routes through App::handle: /probe's parameters (400), --probe.allow (403),
// --probe.disable (404), the health checks, /target's name (400, 404); and, over a real
// connection, a /probe whose client hangs up stops its probe at once.
#include "app/app.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "support/temp_dir.hpp"

namespace smtp_exporter::app {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using ::testing::HasSubstr;

constexpr std::string_view kConfig = R"(
modules:
  smtp_ehlo: {ehlo_name: probe.example.org, qos_timeout: 5s, timeout: 10s}
  other: {ehlo_name: probe.example.org}
)";

// Shut down (its coroutines destroyed) while the App still exists, as main() does.
class IoContext : public asio::io_context {
 public:
  using asio::io_context::shutdown;
};

// An App on a config file without targets (so the io_context runs out of work after each
// request), answering requests handed to it directly.
class Routes {
 public:
  explicit Routes(Options options = {}, std::string_view config = kConfig)
      : app_(io_, with_config(std::move(options), config)) {
    EXPECT_TRUE(app_.reload().empty());
  }
  ~Routes() { io_.shutdown(); }

  http::Response get(const std::string& target, const std::string& scrape_timeout = "") {
    http::Request request{bhttp::verb::get, target, 11};
    if (!scrape_timeout.empty()) request.set("X-Prometheus-Scrape-Timeout-Seconds", scrape_timeout);
    std::optional<http::Reply> reply;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> { reply = co_await app_.handle(request); }, asio::detached);
    io_.run();
    io_.restart();
    EXPECT_TRUE(reply.has_value());
    if (!reply) return http::Response{};
    http::Response response = reply->response;
    for (bool more = bool(reply->stream); more;) {  // a streamed body, put together
      std::string piece;
      more = reply->stream(piece);
      response.body() += piece;
    }
    return response;
  }

 private:
  Options with_config(Options options, std::string_view config) {
    options.config_file = dir_.write("smtp_exporter.yml", std::string(config));
    return options;
  }

  test::TempDir dir_;
  IoContext io_;
  App app_;
};

config::ProbeAllowList allow(std::initializer_list<std::string_view> patterns) {
  config::ProbeAllowList list;
  for (auto text : patterns) {
    std::string why;
    auto pattern = config::ProbeAllowList::parse(text, &why);
    EXPECT_TRUE(pattern) << why;
    if (pattern) list.add(std::move(*pattern));
  }
  return list;
}

TEST(ProbeParameters, MissingOrMalformedTargetIs400) {
  Routes routes;
  for (const char* target : {"/probe", "/probe?target=", "/probe?module=smtp_ehlo", "/probe?target=a%20b:25",
                             "/probe?target=mx.example.org:0", "/probe?target=2001:db8::1"}) {
    const auto response = routes.get(target);
    EXPECT_EQ(response.result(), bhttp::status::bad_request) << target;
  }
  EXPECT_THAT(routes.get("/probe").body(), HasSubstr("target parameter is missing"));
}

TEST(ProbeParameters, UnixSocketTargetIs400) {
  Routes routes;
  const auto response = routes.get("/probe?target=unix:/x");
  EXPECT_EQ(response.result(), bhttp::status::bad_request);
  EXPECT_THAT(response.body(), HasSubstr("invalid target"));
  EXPECT_EQ(routes.get("/probe?target=unix%3A%2Frun%2Fdovecot%2Flmtp").result(), bhttp::status::bad_request);
}

TEST(ProbeParameters, UnknownModuleIs400) {
  Routes routes;
  const auto response = routes.get("/probe?target=192.0.2.1:25&module=nope");
  EXPECT_EQ(response.result(), bhttp::status::bad_request);
  EXPECT_EQ(response.body(), "unknown module \"nope\"\n");
}

TEST(ProbeParameters, BadDebugOrScrapeTimeoutIs400) {
  Options options;
  options.probe_allow = allow({"127.0.0.0/8"});  // only to get that far without probing
  Routes routes(std::move(options));
  EXPECT_EQ(routes.get("/probe?target=192.0.2.1:25&debug=yes").result(), bhttp::status::forbidden);  // 403 first
  auto response = routes.get("/probe?target=127.0.0.1:1&debug=yes");
  EXPECT_EQ(response.result(), bhttp::status::bad_request);
  EXPECT_EQ(response.body(), "debug must be true or false\n");
  for (const char* header : {"ten", "-1", "0", "10s"}) {
    response = routes.get("/probe?target=192.0.2.1:25", header);  // before the allow list
    EXPECT_EQ(response.result(), bhttp::status::bad_request) << header;
    EXPECT_EQ(response.body(), "malformed X-Prometheus-Scrape-Timeout-Seconds header\n");
  }
}

TEST(ProbeParameters, TargetOutsideTheAllowListIs403) {
  Options options;
  options.probe_allow = allow({"10.0.0.0/8", "*.allowed.example.org:25"});
  Routes routes(std::move(options));
  for (const char* target : {"192.0.2.1:25", "[2001:db8::1]:25", "mx.other.example.org:25", "x.allowed.example.org:26"}) {
    const auto response = routes.get(std::string("/probe?target=") + target);
    EXPECT_EQ(response.result(), bhttp::status::forbidden) << target;
    EXPECT_THAT(response.body(), HasSubstr("is not allowed by --probe.allow")) << target;
  }
}

TEST(ProbeParameters, DisabledProbeIs404) {
  Options options;
  options.probe_disabled = true;
  Routes routes(std::move(options));
  const auto response = routes.get("/probe?target=192.0.2.1:25");
  EXPECT_EQ(response.result(), bhttp::status::not_found);
  EXPECT_THAT(response.body(), HasSubstr("--probe.disable"));
}

TEST(Routes, HealthChecksAndUnknownPaths) {
  Routes routes;
  EXPECT_EQ(routes.get("/-/healthy").body(), "Healthy\n");
  EXPECT_EQ(routes.get("/-/ready").body(), "Ready\n");
  EXPECT_EQ(routes.get("/nope").result(), bhttp::status::not_found);
  EXPECT_EQ(routes.get("/").result(), bhttp::status::ok);
  EXPECT_EQ(routes.get("/metrics").result(), bhttp::status::ok);
  EXPECT_EQ(routes.get("/-/reload").result(), bhttp::status::method_not_allowed);
}

// /target?name=: a configured target's page; 400 without a name, 404 for a name no target has.
// (Scrape mode: the targets are not probed, so the io_context runs out of work.)
TEST(Routes, TargetPageByName) {
  Routes routes({}, R"(
global: {mode: scrape}
modules:
  smtp_ehlo: {ehlo_name: probe.example.org}
targets:
  - {name: "<script>alert(1)</script>", address: "192.0.2.1:25"}
  - {name: mx1, address: "192.0.2.2:25"}
)");
  const auto page = routes.get("/target?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  EXPECT_EQ(page.result(), bhttp::status::ok);
  EXPECT_EQ(page[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_THAT(page.body(), HasSubstr("<h1 id=\"name\">&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
  EXPECT_THAT(page.body(), ::testing::Not(HasSubstr("<script>")));
  EXPECT_THAT(page.body(), HasSubstr("not probed yet"));
  EXPECT_THAT(page.body(), HasSubstr("href=\"/probe?target=192.0.2.1%3A25&amp;module=smtp_ehlo\""));
  EXPECT_EQ(routes.get("/target?name=mx1").result(), bhttp::status::ok);

  const auto missing = routes.get("/target");
  EXPECT_EQ(missing.result(), bhttp::status::bad_request);
  EXPECT_THAT(missing.body(), HasSubstr("the name parameter is missing"));
  const auto unknown = routes.get("/target?name=mx9");
  EXPECT_EQ(unknown.result(), bhttp::status::not_found);
  EXPECT_THAT(unknown.body(), HasSubstr("no target named \"mx9\""));
  EXPECT_EQ(unknown[bhttp::field::content_type], "text/plain; charset=utf-8");
  // The landing page links to each target's page.
  EXPECT_THAT(routes.get("/").body(), HasSubstr("<a href=\"/target?name=mx1\">mx1</a>"));
}

// Transcripts are kept with at most kTranscriptTargets address targets; domain targets, which
// keep none, do not count.
TEST(Routes, DomainTargetsDoNotCountAgainstTheTranscriptTargets) {
  std::string config = R"(
global: {mode: scrape}
modules:
  smtp_ehlo: {ehlo_name: probe.example.org}
targets:
  - {name: mx1, address: "192.0.2.2:25"}
)";
  for (std::size_t i = 0; i < kTranscriptTargets + 1; ++i) {
    config += "  - {name: d" + std::to_string(i) + ".example.org, domain: d" + std::to_string(i) + ".example.org}\n";
  }
  Routes routes({}, config);
  const auto page = routes.get("/target?name=mx1");
  EXPECT_EQ(page.result(), bhttp::status::ok);
  EXPECT_THAT(page.body(), HasSubstr("This target keeps at most"));
  EXPECT_THAT(page.body(), ::testing::Not(HasSubstr("id=\"no-transcripts\"")));
}

// A running exporter (its own thread) and a server that accepts and never greets.
class HangupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.config_file = dir_.write("smtp_exporter.yml", std::string(kConfig));
    options.listen_address = "127.0.0.1:0";
    app_.emplace(io_, std::move(options));
    ASSERT_TRUE(app_->reload().empty());
    app_->start();
    thread_ = std::thread([this] { io_.run(); });
    silent_.open(tcp::v4());
    silent_.bind({asio::ip::make_address("127.0.0.1"), 0});
    silent_.listen();
    silent_.non_blocking(true);
  }
  void TearDown() override {
    io_.stop();
    thread_.join();
    app_->join_threads();
    io_.shutdown();
  }

  // A client that asks for a probe of the silent server and reads no answer.
  tcp::socket ask_for_probe() {
    tcp::socket client(test_io_);
    client.connect({asio::ip::make_address("127.0.0.1"), app_->local_endpoint().port()});
    const std::string request = "GET /probe?target=127.0.0.1:" + std::to_string(silent_.local_endpoint().port()) +
                                " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    asio::write(client, asio::buffer(request));
    return client;
  }

  // The probe's connection to the silent server, if it came within 5 s.
  std::optional<tcp::socket> accept_probe() {
    for (int i = 0; i < 500; ++i) {
      boost::system::error_code ec;
      tcp::socket peer = silent_.accept(ec);
      if (!ec) return peer;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  // Seconds until the prober closed `peer` (it sends nothing first), at most `limit`.
  static double seconds_until_closed(tcp::socket& peer, std::chrono::seconds limit) {
    peer.non_blocking(true);
    const auto start = std::chrono::steady_clock::now();
    char byte = 0;
    while (std::chrono::steady_clock::now() - start < limit) {
      boost::system::error_code ec;
      peer.read_some(asio::buffer(&byte, 1), ec);
      if (ec && ec != asio::error::would_block) break;  // eof: the prober closed its socket
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  test::TempDir dir_;
  IoContext io_;
  std::optional<App> app_;
  std::thread thread_;
  asio::io_context test_io_;
  tcp::acceptor silent_{test_io_};
};

TEST_F(HangupTest, ProbeStopsWhenItsClientHangsUp) {
  std::optional<tcp::socket> client = ask_for_probe();
  std::optional<tcp::socket> peer = accept_probe();
  ASSERT_TRUE(peer);
  // The probe waits for the greeting (up to 2 x QoS = 10 s); the client gives up after 200 ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  client.reset();
  EXPECT_LT(seconds_until_closed(*peer, std::chrono::seconds(5)), 1.0);
}

TEST_F(HangupTest, ProbeRunsOnWhileItsClientWaits) {
  tcp::socket client = ask_for_probe();
  std::optional<tcp::socket> peer = accept_probe();
  ASSERT_TRUE(peer);
  EXPECT_GE(seconds_until_closed(*peer, std::chrono::seconds(1)), 1.0);  // still open after 1 s
}

}  // namespace
}  // namespace smtp_exporter::app
