// An in-process SMTP server for tests: every accepted connection runs the same script of steps
// (send, drip, pause, expect a line, drain, close, reset) and is recorded: what the client sent,
// when, and how much the server had sent by then. Plain blocking sockets driven by poll() in one
// thread of its own; every wait is capped, so a broken client cannot hang a test.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace smtp_exporter::test {

using Millis = std::chrono::milliseconds;

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
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;
  ScriptedServer(ScriptedServer&&) = delete;
  ScriptedServer& operator=(ScriptedServer&&) = delete;

  std::uint16_t port() const { return port_; }

  // Waits until `count` sessions have ended (at most `cap`), then returns all that have.
  std::vector<SessionRecord> wait_sessions(std::size_t count, Millis cap = Millis(5000));

  void stop();  // idempotent; the destructor calls it

 private:
  void run();
  SessionRecord serve(int fd);

  Script script_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable ended_;
  std::vector<SessionRecord> sessions_;
  std::thread thread_;
};

// True if a socket can be bound to ::1 (some containers have no IPv6 loopback).
bool has_ipv6_loopback();

// A loopback TCP port nobody listens on: bound, read back and closed again.
std::uint16_t unused_port();

// True if a TCP connect to address:port succeeds now (the connection is closed at once).
bool accepts_connections(const std::string& address, std::uint16_t port);

// A client that talks without waiting: connects, writes `say` at once, and returns all the
// server sent until it closed or `cap` ran out. Throws std::system_error if it cannot connect.
std::string talk_raw(const std::string& address, std::uint16_t port, const std::string& say, Millis cap);

// A loopback listener that never accepts, its accept queue filled: the kernel drops further
// SYNs, so a new connect neither succeeds nor fails, which is a connect timeout without netem.
class FullListener {
 public:
  FullListener();
  ~FullListener();
  FullListener(const FullListener&) = delete;
  FullListener& operator=(const FullListener&) = delete;
  FullListener(FullListener&&) = delete;
  FullListener& operator=(FullListener&&) = delete;

  bool ok() const { return ok_; }  // false if the kernel kept answering connects
  std::uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  std::vector<int> fillers_;  // connections parked in the queue, and the one left hanging
  std::uint16_t port_ = 0;
  bool ok_ = false;
};

}  // namespace smtp_exporter::test
