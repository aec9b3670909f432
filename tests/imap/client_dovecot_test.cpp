// The IMAP client against a real Dovecot (IMAPS, IMAP with STARTTLS, INBOX and a \Junk folder,
// IDLE, UIDPLUS). These tests need the peers that tests/e2e/test_imap_client.py starts: it runs
// them with the Dovecot's ports, CA, account and the tokens of the messages it delivered in the
// environment (SMTP_EXPORTER_IMAP_*), and checks the mailbox afterwards. Without that
// environment they are skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "config/config.hpp"
#include "imap/client.hpp"
#include "prober/tls.hpp"

namespace smtp_exporter::imap {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

struct Peer {
  std::uint16_t imaps_port = 0;
  std::uint16_t imap_port = 0;
  std::string ca_file, user, password;
};

std::optional<Peer> peer() {
  if (env("SMTP_EXPORTER_IMAP_USER").empty()) return std::nullopt;
  Peer p;
  p.imaps_port = static_cast<std::uint16_t>(std::stoi(env("SMTP_EXPORTER_IMAP_IMAPS_PORT")));
  p.imap_port = static_cast<std::uint16_t>(std::stoi(env("SMTP_EXPORTER_IMAP_IMAP_PORT")));
  p.ca_file = env("SMTP_EXPORTER_IMAP_CA_FILE");
  p.user = env("SMTP_EXPORTER_IMAP_USER");
  p.password = env("SMTP_EXPORTER_IMAP_PASSWORD");
  return p;
}

#define NEEDS_DOVECOT()                                                                       \
  const auto dovecot = peer();                                                                \
  if (!dovecot) GTEST_SKIP() << "needs Dovecot: run by tests/e2e/test_imap_client.py"

asio::ip::tcp::endpoint local(std::uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port}; }

// Runs `body` on a fresh io_context with a client (transcript kept), within 30 s.
void with_client(const std::function<asio::awaitable<void>(Client&)>& body) {
  asio::io_context io;
  std::vector<prober::TranscriptLine> lines;
  prober::Transcript transcript(&lines, Clock::now());
  Client client(io.get_executor(), transcript);
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await body(client);
        finished = true;
        io.stop();
      },
      asio::detached);
  io.run_for(30s);
  EXPECT_TRUE(finished) << "the session did not end within 30 s";
  std::string text;
  for (const auto& line : lines) text += std::string(1, line.direction) + " " + line.text + "\n";
  EXPECT_EQ(text.find(peer()->password), std::string::npos) << "the password is in the transcript:\n" << text;
  if (::testing::Test::HasFailure()) std::cerr << "transcript:\n" << text;
}

Clock::time_point soon() { return Clock::now() + 10s; }

std::shared_ptr<asio::ssl::context> tls_context(const Peer& peer) {
  config::TlsConfig tls;
  tls.ca_file = peer.ca_file;
  return prober::make_tls_context(tls);
}

Client::Tls tls_for(const std::shared_ptr<asio::ssl::context>& context, std::string server_name = "localhost") {
  Client::Tls tls;
  tls.context = context.get();
  tls.server_name = std::move(server_name);
  return tls;
}

// Over IMAPS, verifying the certificate, then logged in.
asio::awaitable<void> open_and_login(Client& client, const Peer& peer, const Client::Tls& tls) {
  const Outcome opened = co_await client.open(local(peer.imaps_port), tls, soon());
  EXPECT_TRUE(opened.ok()) << opened.detail;
  const Outcome logged_in = co_await client.login(peer.user, peer.password, false, soon());
  EXPECT_TRUE(logged_in.ok()) << logged_in.detail;
}

// Finds the message carrying `token` in `folder`, checks its header, removes it.
asio::awaitable<void> find_and_remove(Client& client, const std::string& folder, const std::string& token) {
  const Selected selected = co_await client.select(folder, soon());
  EXPECT_TRUE(selected.outcome.ok()) << selected.outcome.detail;
  EXPECT_GT(selected.uid_validity, 0u);
  const Found found = co_await client.search_header("X-Smtp-Exporter-Probe", token, soon());
  EXPECT_TRUE(found.outcome.ok()) << found.outcome.detail;
  EXPECT_EQ(found.uids.size(), 1u) << folder << " " << token;
  const Fetched fetched = co_await client.fetch_headers(found.uids, soon());
  EXPECT_TRUE(fetched.outcome.ok()) << fetched.outcome.detail;
  EXPECT_EQ(fetched.headers.size(), found.uids.size());
  for (const auto& [uid, header] : fetched.headers) {
    EXPECT_NE(header.find("X-Smtp-Exporter-Probe: " + token + "\r\n"), std::string::npos) << header;
    EXPECT_TRUE(header.ends_with("\r\n\r\n")) << header;
  }
  const Outcome removed = co_await client.remove(found.uids, soon());
  EXPECT_TRUE(removed.ok()) << removed.detail;
  const Found again = co_await client.search_header("X-Smtp-Exporter-Probe", token, soon());
  EXPECT_TRUE(again.uids.empty());
}

TEST(ImapClientWithDovecot, FindsReadsAndRemovesMessagesOverImplicitTls) {
  NEEDS_DOVECOT();
  const auto context = tls_context(*dovecot);
  const Client::Tls tls = tls_for(context);
  with_client([&](Client& client) -> asio::awaitable<void> {
    co_await open_and_login(client, *dovecot, tls);
    EXPECT_TRUE(client.is_tls());
    EXPECT_TRUE(client.tls_facts() && client.tls_facts()->verified);
    EXPECT_TRUE(client.has_capability("IDLE"));
    EXPECT_TRUE(client.has_capability("UIDPLUS"));
    const auto [listed, folders] = co_await client.list(soon());
    EXPECT_TRUE(listed.ok()) << listed.detail;
    bool inbox = false, junk = false;
    for (const Folder& folder : folders) {
      inbox = inbox || folder.name == "INBOX";
      junk =
          junk || (folder.name == "Junk" && std::ranges::find(folder.attributes, "\\Junk") != folder.attributes.end());
    }
    EXPECT_TRUE(inbox);
    EXPECT_TRUE(junk);
    co_await find_and_remove(client, "INBOX", env("SMTP_EXPORTER_IMAP_TOKEN_INBOX"));
    co_await find_and_remove(client, "Junk", env("SMTP_EXPORTER_IMAP_TOKEN_JUNK"));
    co_await client.logout(soon());
  });
}

TEST(ImapClientWithDovecot, StartsTlsThenLogsIn) {
  NEEDS_DOVECOT();
  const auto context = tls_context(*dovecot);
  with_client([&](Client& client) -> asio::awaitable<void> {
    const Client::Tls no_tls;
    const Outcome opened = co_await client.open(local(dovecot->imap_port), no_tls, soon());
    EXPECT_TRUE(opened.ok()) << opened.detail;
    EXPECT_FALSE(client.is_tls());
    const Client::Tls tls = tls_for(context);
    const Outcome started = co_await client.starttls(tls, soon());
    EXPECT_TRUE(started.ok()) << started.detail;
    EXPECT_TRUE(client.is_tls());
    const Outcome logged_in = co_await client.login(dovecot->user, dovecot->password, false, soon());
    EXPECT_TRUE(logged_in.ok()) << logged_in.detail;
    const Selected selected = co_await client.select("INBOX", soon());
    EXPECT_TRUE(selected.outcome.ok()) << selected.outcome.detail;
    co_await client.logout(soon());
  });
}

TEST(ImapClientWithDovecot, LogsInWithoutTlsOnlyWhenAllowed) {
  NEEDS_DOVECOT();
  with_client([&](Client& client) -> asio::awaitable<void> {
    const Client::Tls no_tls;
    const Outcome opened = co_await client.open(local(dovecot->imap_port), no_tls, soon());
    EXPECT_TRUE(opened.ok()) << opened.detail;
    const Outcome refused = co_await client.login(dovecot->user, dovecot->password, false, soon());
    EXPECT_EQ(refused.failure, Failure::plaintext);
    const Outcome logged_in = co_await client.login(dovecot->user, dovecot->password, true, soon());
    EXPECT_TRUE(logged_in.ok()) << logged_in.detail;
    co_await client.logout(soon());
  });
}

TEST(ImapClientWithDovecot, AWrongPasswordIsALoginFailure) {
  NEEDS_DOVECOT();
  const auto context = tls_context(*dovecot);
  const Client::Tls tls = tls_for(context);
  with_client([&](Client& client) -> asio::awaitable<void> {
    const Outcome opened = co_await client.open(local(dovecot->imaps_port), tls, soon());
    EXPECT_TRUE(opened.ok()) << opened.detail;
    const Outcome refused = co_await client.login(dovecot->user, "not-" + dovecot->password, false, soon());
    EXPECT_EQ(refused.failure, Failure::login) << refused.detail;
    EXPECT_EQ(refused.detail.find(dovecot->password), std::string::npos);
  });
}

TEST(ImapClientWithDovecot, ACertificateForAnotherNameIsNotVerified) {
  NEEDS_DOVECOT();
  const auto context = tls_context(*dovecot);
  const Client::Tls tls = tls_for(context, "imap.example.net");
  with_client([&](Client& client) -> asio::awaitable<void> {
    const Outcome opened = co_await client.open(local(dovecot->imaps_port), tls, soon());
    EXPECT_EQ(opened.failure, Failure::tls_verify) << opened.detail;
  });
}

// Run on its own by the Python test, which delivers SMTP_EXPORTER_IMAP_TOKEN_IDLE a moment after
// starting it: IDLE sees the delivery.
TEST(ImapClientWithDovecot, IdleSeesADelivery) {
  NEEDS_DOVECOT();
  if (env("SMTP_EXPORTER_IMAP_TOKEN_IDLE").empty()) GTEST_SKIP() << "run alone, with a delivery";
  const auto context = tls_context(*dovecot);
  const Client::Tls tls = tls_for(context);
  with_client([&](Client& client) -> asio::awaitable<void> {
    co_await open_and_login(client, *dovecot, tls);
    const Selected selected = co_await client.select("INBOX", soon());
    EXPECT_TRUE(selected.outcome.ok()) << selected.outcome.detail;
    const auto idled = co_await client.idle(Clock::now() + 20s, Clock::now() + 25s);
    EXPECT_TRUE(idled.outcome.ok()) << idled.outcome.detail;
    EXPECT_TRUE(idled.arrived);
    co_await find_and_remove(client, "INBOX", env("SMTP_EXPORTER_IMAP_TOKEN_IDLE"));
    co_await client.logout(soon());
  });
}

}  // namespace
}  // namespace smtp_exporter::imap
