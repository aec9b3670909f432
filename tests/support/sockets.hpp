// Plain POSIX sockets on loopback for the in-process test servers and the tests that talk to
// them: binding to port 0, connecting with a cap, a client that talks without waiting, and a
// listener nobody can reach. Every wait is capped, so a broken peer cannot hang a test.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smtp_exporter::test {

using Millis = std::chrono::milliseconds;

// A socket file descriptor that closes itself.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset();

 private:
  int fd_ = -1;
};

// A socket bound to `literal` ("127.0.0.1", "::1"), port 0, and listening if backlog >= 0;
// throws std::system_error (std::invalid_argument for a literal that is no address).
Fd bind_ephemeral(const std::string& literal, int backlog);

// The port a bound socket got.
std::uint16_t local_port(int fd);

// The next connection on a listening socket, or an empty Fd if none came within `wait`.
Fd accept_within(int listen_fd, Millis wait);

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
  ~FullListener() = default;
  FullListener(const FullListener&) = delete;
  FullListener& operator=(const FullListener&) = delete;
  FullListener(FullListener&&) = delete;
  FullListener& operator=(FullListener&&) = delete;

  bool ok() const { return ok_; }  // false if the kernel kept answering connects
  std::uint16_t port() const { return port_; }

 private:
  Fd listener_;
  std::vector<Fd> fillers_;  // connections parked in the queue
  std::uint16_t port_ = 0;
  bool ok_ = false;
};

}  // namespace smtp_exporter::test
