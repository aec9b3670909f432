// What every in-process test server shares: a listening socket on a loopback address, port 0,
// and a thread of its own that accepts one connection at a time, has `serve` run it to its end,
// and keeps the record serve returns. The servers differ only in serve (ScriptedServer runs a
// script, the prober tests' TlsSmtpServer speaks SMTP over TLS).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/sockets.hpp"

namespace smtp_exporter::test {

template <class Record>
class SessionServer {
 public:
  // Runs one accepted connection to its end; should give up soon once `stopping` is true.
  using Serve = std::function<Record(Fd connection, const std::atomic<bool>& stopping)>;

  // Listens on `bind_address` ("127.0.0.1" or "::1"), port 0, and starts accepting; throws
  // std::system_error if it cannot listen.
  SessionServer(const std::string& bind_address, Serve serve)
      : listener_(bind_ephemeral(bind_address, 16)),
        port_(local_port(listener_.get())),
        serve_(std::move(serve)),
        thread_([this] { run(); }) {}
  ~SessionServer() { stop(); }
  SessionServer(const SessionServer&) = delete;
  SessionServer& operator=(const SessionServer&) = delete;
  SessionServer(SessionServer&&) = delete;
  SessionServer& operator=(SessionServer&&) = delete;

  std::uint16_t port() const { return port_; }

  // Waits until `count` sessions have ended (at most `cap`), then returns all that have.
  std::vector<Record> wait_sessions(std::size_t count, Millis cap) {
    std::unique_lock lock(mutex_);
    ended_.wait_for(lock, cap, [&] { return sessions_.size() >= count; });
    return sessions_;
  }

  // Idempotent; the destructor calls it.
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    listener_.reset();
  }

 private:
  // The longest an accept waits, so that stop() is noticed promptly.
  static constexpr Millis kSlice{20};

  void run() {
    while (!stopping_) {
      Fd connection = accept_within(listener_.get(), kSlice);
      if (connection.get() < 0) continue;
      Record record = serve_(std::move(connection), stopping_);
      {
        std::lock_guard lock(mutex_);
        sessions_.push_back(std::move(record));
      }
      ended_.notify_all();
    }
  }

  Fd listener_;
  std::uint16_t port_;
  Serve serve_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable ended_;
  std::vector<Record> sessions_;
  std::thread thread_;  // last: it starts once everything above exists
};

}  // namespace smtp_exporter::test
