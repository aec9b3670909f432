// An in-process SMTP server for tests: every accepted connection runs the same script of steps
// (send, drip, pause, expect a line, drain, close, reset) and is recorded: what the client sent,
// when, and how much the server had sent by then. Plain blocking sockets driven by poll() in one
// thread of its own; every wait is capped, so a broken client cannot hang a test.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "support/session_server.hpp"
#include "support/sockets.hpp"

namespace smtp_exporter::test {

// What the server does on one connection, in order. When the steps run out the server closes.
class Script {
 public:
  struct Step {
    enum class Kind { send, drip, pause, expect_line, drain, close, reset };
    Kind kind;
    std::string bytes;  // send, drip
    Millis time{};      // drip: gap between bytes; pause: length; expect_line, drain: cap
  };

  Script& send(std::string bytes);
  // Sends one byte at a time with `gap` between bytes, to split lines across reads.
  Script& drip(std::string bytes, Millis gap);
  // Waits; whatever the client writes meanwhile counts as early (see drop_early_talkers).
  Script& pause(Millis length);
  // Reads one client line (up to and including LF) and records it; gives up after `cap`.
  Script& expect_line(Millis cap = Millis(3000));
  // Reads and records until the client closes or `cap` runs out.
  Script& drain(Millis cap = Millis(2000));
  Script& close();  // orderly close (FIN)
  Script& reset();  // abortive close (RST: SO_LINGER 0)
  // Like a greet-pause server: a client that writes while the server pauses or drips is
  // recorded as a violation and dropped at once.
  Script& drop_early_talkers();

  const std::vector<Step>& steps() const { return steps_; }
  bool drops_early_talkers() const { return drop_early_; }

 private:
  Script& add(Step step);

  std::vector<Step> steps_;
  bool drop_early_ = false;
};

// Bytes that one read returned, stamped on arrival.
struct ClientChunk {
  Millis at{};                        // since the connection was accepted
  std::size_t server_bytes_sent = 0;  // what the server had written by then
  std::string bytes;
};

struct SessionRecord {
  std::vector<std::string> lines;       // complete client lines, each with its line end
  std::vector<ClientChunk> chunks;      // every read from the client, in order
  std::size_t early_bytes = 0;          // bytes that came while the server paused or dripped
  std::vector<std::string> violations;  // early talk, a line that never came
  std::vector<std::string> events;      // client close, write errors: facts, not faults
  bool client_closed = false;           // the client closed (or reset) the connection
  Millis duration{};                    // accept to the server's close
};

class ScriptedServer {
 public:
  // Listens on `bind_address` ("127.0.0.1" or "::1"), port 0; throws std::system_error if it
  // cannot. Every connection runs `script`, one connection at a time.
  explicit ScriptedServer(Script script, const std::string& bind_address = "127.0.0.1");

  std::uint16_t port() const { return server_.port(); }

  // Waits until `count` sessions have ended (at most `cap`), then returns all that have.
  std::vector<SessionRecord> wait_sessions(std::size_t count, Millis cap = Millis(5000)) {
    return server_.wait_sessions(count, cap);
  }

  void stop() { server_.stop(); }  // idempotent; the destructor calls it

 private:
  const Script script_;  // before server_, whose thread reads it
  SessionServer<SessionRecord> server_;
};

}  // namespace smtp_exporter::test
