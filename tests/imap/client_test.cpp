// The IMAP client against scripted servers: the commands it sends, what it reads from the
// answers, and the misbehaviour Dovecot will not show on demand (a literal split across reads,
// a huge literal, a server that drops the connection during IDLE, BYE at the greeting). The
// client against a real Dovecot: tests/e2e/test_imap_client.py.
#include "imap/client.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "smtp/sasl.hpp"
#include "support/scripted_server.hpp"

namespace smtp_exporter::imap {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::Millis;
using test::Script;
using test::ScriptedServer;
using Clock = std::chrono::steady_clock;

const std::string kGreeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR IDLE UIDPLUS AUTH=PLAIN] ready\r\n";
const std::string kLoggedIn = "a1 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\r\n";

// What one session of the client did: the lines of its transcript, and whatever the test body
// returned.
template <class T>
struct Run {
  std::optional<T> value;
  std::vector<std::string> transcript;  // "> a1 LOGIN ...", "< * OK ...", "* note"
};

// Runs `body` with a client connected to `server` (the greeting read), within 10 s.
template <class T>
Run<T> session(const ScriptedServer& server, std::function<asio::awaitable<T>(Client&, Outcome)> body) {
  asio::io_context io;
  std::vector<prober::TranscriptLine> lines;
  prober::Transcript transcript(&lines, Clock::now());
  Client client(io.get_executor(), transcript);
  Run<T> run;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server.port());
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const Client::Tls no_tls;  // (named: a braced temporary inside co_await breaks under g++ 12)
        const Outcome opened = co_await client.open(endpoint, no_tls, Clock::now() + 3s);
        run.value = co_await body(client, opened);
        io.stop();  // the deadlines' timer would keep the loop until the last deadline
      },
      asio::detached);
  io.run_for(10s);
  for (const auto& line : lines) run.transcript.push_back(std::string(1, line.direction) + " " + line.text);
  return run;
}

Clock::time_point soon() { return Clock::now() + 3s; }

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

TEST(ImapClient, LogsInSelectsFindsFetchesAndRemovesAMessage) {
  const std::string header = "X-Smtp-Exporter-Probe: t1\r\nSubject: probe\r\n\r\n";
  Script script;
  script.send(kGreeting)
      .expect_line().send(kLoggedIn)
      .expect_line().send("* 2 EXISTS\r\n* OK [UIDVALIDITY 42] UIDs valid\r\na2 OK [READ-WRITE] Select completed\r\n")
      .expect_line().send("* SEARCH 9 7\r\na3 OK Search completed\r\n")
      .expect_line()
      .drip("* 1 FETCH (UID 7 BODY[HEADER] {" + std::to_string(header.size()) + "}\r\n" + header + ")\r\n", 1ms)
      .send("* 2 FETCH (UID 9 BODY[HEADER] \"\")\r\na4 OK Fetch completed\r\n")
      .expect_line().send("a5 OK Store completed\r\n")
      .expect_line().send("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\na6 OK Expunge completed\r\n")
      .expect_line().send("* BYE Logging out\r\na7 OK Logout completed\r\n")
      .drain();
  ScriptedServer server(script);
  struct Seen {
    Outcome login;
    Selected selected;
    Found found;
    Fetched fetched;
    Outcome removed;
  };
  const auto run = session<Seen>(server, [](Client& client, Outcome opened) -> asio::awaitable<Seen> {
    Seen seen;
    EXPECT_TRUE(opened.ok()) << opened.detail;
    EXPECT_TRUE(client.has_capability("idle"));
    seen.login = co_await client.login("probe@example.org", "s3cret \"pass\"", true, soon());
    seen.selected = co_await client.select("INBOX", soon());
    seen.found = co_await client.search_header("X-Smtp-Exporter-Probe", "t1", soon());
    seen.fetched = co_await client.fetch_headers(seen.found.uids, soon());
    seen.removed = co_await client.remove(seen.found.uids, soon());
    co_await client.logout(soon());
    co_return seen;
  });
  ASSERT_TRUE(run.value);
  const Seen& seen = *run.value;
  EXPECT_TRUE(seen.login.ok()) << seen.login.detail;
  EXPECT_TRUE(seen.selected.outcome.ok()) << seen.selected.outcome.detail;
  EXPECT_EQ(seen.selected.exists, 2u);
  EXPECT_EQ(seen.selected.uid_validity, 42u);
  EXPECT_EQ(seen.found.uids, (std::vector<std::uint32_t>{7, 9}));
  ASSERT_EQ(seen.fetched.headers.size(), 2u) << seen.fetched.outcome.detail;
  EXPECT_EQ(seen.fetched.headers[0], std::make_pair(7u, header));
  EXPECT_EQ(seen.fetched.headers[1], std::make_pair(9u, std::string()));
  EXPECT_TRUE(seen.removed.ok()) << seen.removed.detail;

  const auto sessions = server.wait_sessions(1);
  ASSERT_EQ(sessions.size(), 1u);
  const auto& lines = sessions[0].lines;
  ASSERT_EQ(lines.size(), 7u) << joined(lines);
  const std::string plain = smtp::base64_encode(std::string("\0probe@example.org\0s3cret \"pass\"", 32));
  EXPECT_EQ(lines[0], "a1 AUTHENTICATE PLAIN " + plain + "\r\n");  // SASL-IR: the response on the line
  EXPECT_EQ(lines[1], "a2 SELECT INBOX\r\n");
  EXPECT_EQ(lines[2], "a3 UID SEARCH HEADER X-Smtp-Exporter-Probe t1\r\n");
  EXPECT_EQ(lines[3], "a4 UID FETCH 7,9 (UID BODY.PEEK[HEADER])\r\n");
  EXPECT_EQ(lines[4], "a5 UID STORE 7,9 +FLAGS.SILENT (\\Deleted)\r\n");
  EXPECT_EQ(lines[5], "a6 UID EXPUNGE 7,9\r\n");  // UIDPLUS: only these
  EXPECT_EQ(lines[6], "a7 LOGOUT\r\n");
  // The secret never reaches the transcript.
  const std::string transcript = joined(run.transcript);
  EXPECT_EQ(transcript.find(plain), std::string::npos) << transcript;
  EXPECT_EQ(transcript.find("s3cret"), std::string::npos) << transcript;
  EXPECT_NE(transcript.find("> a1 AUTHENTICATE PLAIN ***"), std::string::npos) << transcript;
}

TEST(ImapClient, LogsInWithLoginWhenNoMechanismItSpeaksIsOfferedAndReportsARefusal) {
  Script script;
  script.send("* OK [CAPABILITY IMAP4rev1 AUTH=GSSAPI] ready\r\n")
      .expect_line().send("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
      .drain();
  ScriptedServer server(script);
  const auto run = session<Outcome>(server, [](Client& client, Outcome) -> asio::awaitable<Outcome> {
    co_return co_await client.login("probe", "wrong-Pass", true, soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_EQ(run.value->failure, Failure::login);
  EXPECT_NE(run.value->detail.find("Authentication failed"), std::string::npos) << run.value->detail;
  const auto sessions = server.wait_sessions(1);
  ASSERT_EQ(sessions[0].lines.size(), 1u);
  EXPECT_EQ(sessions[0].lines[0], "a1 LOGIN probe wrong-Pass\r\n");
  EXPECT_EQ(joined(run.transcript).find("wrong-Pass"), std::string::npos) << joined(run.transcript);
}

TEST(ImapClient, RefusesToSendAPasswordInClearUnlessAllowed) {
  Script script;
  script.send(kGreeting).drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Outcome>(server, [](Client& client, Outcome) -> asio::awaitable<Outcome> {
    co_return co_await client.login("probe", "s3cret", false, soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_EQ(run.value->failure, Failure::plaintext);
  EXPECT_TRUE(server.wait_sessions(1)[0].lines.empty());
}

TEST(ImapClient, AsksForCapabilitiesWhenTheGreetingHasNone) {
  Script script;
  script.send("* OK ready\r\n")
      .expect_line().send("* CAPABILITY IMAP4rev1 IDLE STARTTLS LOGINDISABLED\r\na1 OK done\r\n")
      .drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Outcome>(server, [](Client& client, Outcome opened) -> asio::awaitable<Outcome> {
    EXPECT_TRUE(client.has_capability("STARTTLS"));
    EXPECT_TRUE(client.has_capability("LOGINDISABLED"));
    co_return opened;
  });
  ASSERT_TRUE(run.value);
  EXPECT_TRUE(run.value->ok()) << run.value->detail;
  EXPECT_EQ(server.wait_sessions(1)[0].lines, std::vector<std::string>{"a1 CAPABILITY\r\n"});
}

TEST(ImapClient, ByeAtTheGreetingIsAClosedSession) {
  Script script;
  script.send("* BYE Too many connections\r\n").close();
  ScriptedServer server(script);
  const auto run = session<Outcome>(server, [](Client&, Outcome opened) -> asio::awaitable<Outcome> {
    co_return opened;
  });
  ASSERT_TRUE(run.value);
  EXPECT_EQ(run.value->failure, Failure::closed);
  EXPECT_NE(run.value->detail.find("Too many connections"), std::string::npos);
}

TEST(ImapClient, ByeInsteadOfALoginAnswerIsAClosedSession) {
  for (const char* greeting : {"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\r\n",  // AUTHENTICATE
                               "* OK [CAPABILITY IMAP4rev1] ready\r\n"}) {                  // LOGIN
    SCOPED_TRACE(greeting);
    Script script;
    script.send(greeting).expect_line().send("* BYE Too many invalid logins, closing\r\n").close();
    ScriptedServer server(script);
    const auto run = session<Outcome>(server, [](Client& client, Outcome) -> asio::awaitable<Outcome> {
      co_return co_await client.login("probe", "s3cret", true, soon());
    });
    ASSERT_TRUE(run.value);
    EXPECT_EQ(run.value->failure, Failure::closed);
    EXPECT_NE(run.value->detail.find("Too many invalid logins"), std::string::npos) << run.value->detail;
  }
}

TEST(ImapClient, AHugeLiteralFailsTheCommandWithoutReadingIt) {
  Script script;
  script.send(kGreeting)
      .expect_line().send("* 1 FETCH (UID 7 BODY[HEADER] {500000000}\r\n" + std::string(8192, 'x'))
      .drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Fetched>(server, [](Client& client, Outcome) -> asio::awaitable<Fetched> {
    const std::vector<std::uint32_t> uids{7};  // (no braced temporary inside co_await: g++ 12)
    co_return co_await client.fetch_headers(uids, soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_EQ(run.value->outcome.failure, Failure::protocol);
  EXPECT_TRUE(run.value->headers.empty());
}

TEST(ImapClient, IdleEndsWhenAMessageArrivesThenSaysDone) {
  Script script;
  script.send(kGreeting)
      .expect_line().send("+ idling\r\n")
      .pause(Millis(100)).send("* 3 EXISTS\r\n")
      .expect_line().send("a1 OK Idle completed\r\n")
      .drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Client::Idled>(server, [](Client& client, Outcome) -> asio::awaitable<Client::Idled> {
    co_return co_await client.idle(Clock::now() + 5s, Clock::now() + 8s);
  });
  ASSERT_TRUE(run.value);
  EXPECT_TRUE(run.value->outcome.ok()) << run.value->outcome.detail;
  EXPECT_TRUE(run.value->arrived);
  EXPECT_EQ(server.wait_sessions(1)[0].lines, (std::vector<std::string>{"a1 IDLE\r\n", "DONE\r\n"}));
}

TEST(ImapClient, AQuietIdleEndsAtItsTimeAndTheSessionGoesOn) {
  Script script;
  script.send(kGreeting)
      .expect_line().send("+ idling\r\n")
      .expect_line().send("a1 OK Idle completed\r\n")
      .expect_line().send("* SEARCH\r\na2 OK Search completed\r\n")
      .drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Found>(server, [](Client& client, Outcome) -> asio::awaitable<Found> {
    const auto idled = co_await client.idle(Clock::now() + 200ms, Clock::now() + 3s);
    EXPECT_TRUE(idled.outcome.ok()) << idled.outcome.detail;
    EXPECT_FALSE(idled.arrived);
    co_return co_await client.search_header("X-Smtp-Exporter-Probe", "t1", soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_TRUE(run.value->outcome.ok()) << run.value->outcome.detail;
  EXPECT_TRUE(run.value->uids.empty());
}

TEST(ImapClient, AServerThatDropsTheConnectionDuringIdleEndsItClosed) {
  Script script;
  script.send(kGreeting).expect_line().send("+ idling\r\n").pause(Millis(100)).reset();
  ScriptedServer server(script);
  const auto run = session<Client::Idled>(server, [](Client& client, Outcome) -> asio::awaitable<Client::Idled> {
    co_return co_await client.idle(Clock::now() + 5s, Clock::now() + 8s);
  });
  ASSERT_TRUE(run.value);
  EXPECT_EQ(run.value->outcome.failure, Failure::closed) << run.value->outcome.detail;
  EXPECT_FALSE(run.value->arrived);
}

TEST(ImapClient, WithoutIdleAPollIsANoop) {
  Script script;
  script.send("* OK [CAPABILITY IMAP4rev1] ready\r\n")
      .expect_line().send("* 4 EXISTS\r\na1 OK NOOP completed\r\n")
      .drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Client::Idled>(server, [](Client& client, Outcome) -> asio::awaitable<Client::Idled> {
    co_return co_await client.idle(Clock::now() + 5s, soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_TRUE(run.value->arrived);
  EXPECT_EQ(server.wait_sessions(1)[0].lines, std::vector<std::string>{"a1 NOOP\r\n"});
}

TEST(ImapClient, ExpungesEverythingDeletedWithoutUidplus) {
  Script script;
  script.send("* OK [CAPABILITY IMAP4rev1] ready\r\n")
      .expect_line().send("a1 OK Store completed\r\n")
      .expect_line().send("a2 OK Expunge completed\r\n")
      .drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Outcome>(server, [](Client& client, Outcome) -> asio::awaitable<Outcome> {
    const std::vector<std::uint32_t> uids{3};
    co_return co_await client.remove(uids, soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_TRUE(run.value->ok()) << run.value->detail;
  EXPECT_EQ(server.wait_sessions(1)[0].lines,
            (std::vector<std::string>{"a1 UID STORE 3 +FLAGS.SILENT (\\Deleted)\r\n", "a2 EXPUNGE\r\n"}));
}

TEST(ImapClient, ATaggedResponseForAnotherTagIsAProtocolError) {
  Script script;
  script.send(kGreeting).expect_line().send("a9 OK what\r\n").drain(Millis(500));
  ScriptedServer server(script);
  const auto run = session<Selected>(server, [](Client& client, Outcome) -> asio::awaitable<Selected> {
    co_return co_await client.select("INBOX", soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_EQ(run.value->outcome.failure, Failure::protocol);
}

TEST(ImapClient, ListsFoldersWithTheirAttributes) {
  Script script;
  script.send(kGreeting)
      .expect_line()
      .send("* LIST (\\HasNoChildren) \".\" INBOX\r\n* LIST (\\HasNoChildren \\Junk) \".\" \"Junk\"\r\n"
            "* LIST (\\Noselect) \".\" {8}\r\nArchiv e\r\na1 OK List completed\r\n")
      .drain(Millis(500));
  ScriptedServer server(script);
  using Listed = std::pair<Outcome, std::vector<Folder>>;
  const auto run = session<Listed>(server, [](Client& client, Outcome) -> asio::awaitable<Listed> {
    co_return co_await client.list(soon());
  });
  ASSERT_TRUE(run.value);
  EXPECT_TRUE(run.value->first.ok()) << run.value->first.detail;
  ASSERT_EQ(run.value->second.size(), 3u);
  EXPECT_EQ(run.value->second[0].name, "INBOX");
  EXPECT_EQ(run.value->second[1].name, "Junk");
  EXPECT_EQ(run.value->second[1].attributes, (std::vector<std::string>{"\\HasNoChildren", "\\Junk"}));
  EXPECT_EQ(run.value->second[2].name, "Archiv e");
  EXPECT_EQ(server.wait_sessions(1)[0].lines, std::vector<std::string>{"a1 LIST \"\" \"*\"\r\n"});
}

}  // namespace
}  // namespace smtp_exporter::imap
