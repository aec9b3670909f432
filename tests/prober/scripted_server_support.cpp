#include "prober/scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

namespace smtp_exporter::test {

Script& Script::add(Step step) {
  steps_.push_back(std::move(step));
  return *this;
}
Script& Script::send(std::string bytes) { return add({Step::Kind::send, std::move(bytes), {}}); }
Script& Script::drip(std::string bytes, Millis gap) { return add({Step::Kind::drip, std::move(bytes), gap}); }
Script& Script::pause(Millis length) { return add({Step::Kind::pause, {}, length}); }
Script& Script::expect_line(Millis cap) { return add({Step::Kind::expect_line, {}, cap}); }
Script& Script::drain(Millis cap) { return add({Step::Kind::drain, {}, cap}); }
Script& Script::close() { return add({Step::Kind::close, {}, {}}); }
Script& Script::reset() { return add({Step::Kind::reset, {}, {}}); }
Script& Script::drop_early_talkers() {
  drop_early_ = true;
  return *this;
}

namespace detail {

using Clock = std::chrono::steady_clock;

// The longest a poll() blocks, so that stop() is noticed promptly.
constexpr Millis kSlice{20};
// Caps on what one session may do, whatever the script says.
constexpr Millis kWriteCap{3000};      // a write the client does not read
constexpr Millis kCloseWait{1000};     // after our FIN, for the client's
constexpr std::size_t kMaxLine = 65536;            // a client line without LF
constexpr std::size_t kMaxRecorded = 1024 * 1024;  // chunk bytes kept per session

std::string errno_text(int err) { return std::generic_category().message(err); }

// An IPv4 or IPv6 socket address from a literal; throws if the literal is neither.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_UNSPEC;

  SocketAddress(const std::string& literal, std::uint16_t port) {
    sockaddr_in sin{};
    sockaddr_in6 sin6{};
    if (::inet_pton(AF_INET, literal.c_str(), &sin.sin_addr) == 1) {
      sin.sin_family = AF_INET;
      sin.sin_port = htons(port);
      store(sin);
    } else if (::inet_pton(AF_INET6, literal.c_str(), &sin6.sin6_addr) == 1) {
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons(port);
      store(sin6);
    } else {
      throw std::invalid_argument("not an address literal: " + literal);
    }
  }
  template <class Sockaddr>
  void store(const Sockaddr& address) {
    std::memcpy(&storage, &address, sizeof address);
    length = sizeof address;
    family = storage.ss_family;
  }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

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
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A bound socket (listening if backlog >= 0) on `literal`, port 0; throws on failure.
Fd bind_ephemeral(const std::string& literal, int backlog) {
  const SocketAddress where(literal, 0);
  Fd fd(::socket(where.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw std::system_error(errno, std::generic_category(), "socket");
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), where.get(), where.length) != 0) {
    throw std::system_error(errno, std::generic_category(), "bind " + literal);
  }
  if (backlog >= 0 && ::listen(fd.get(), backlog) != 0) {
    throw std::system_error(errno, std::generic_category(), "listen " + literal);
  }
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    throw std::system_error(errno, std::generic_category(), "getsockname");
  }
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
}

int ceil_ms(Clock::duration d) {
  return static_cast<int>(std::chrono::ceil<Millis>(d).count());
}

// One accepted connection running the script.
class Connection {
 public:
  Connection(int fd, const Script& script, const std::atomic<bool>& stopping)
      : fd_(fd), script_(script), stopping_(stopping), accepted_(Clock::now()) {}

  SessionRecord run() {
    for (const auto& step : script_.steps()) {
      if (!run_step(step)) break;
    }
    close_gracefully();  // also when the steps ran out; a no-op after close or reset
    if (!partial_.empty()) record_.lines.push_back(std::move(partial_));
    record_.duration = since_accept();
    return std::move(record_);
  }

 private:
  Millis since_accept() const {
    return std::chrono::duration_cast<Millis>(Clock::now() - accepted_);
  }
  void note(std::string what) {
    record_.events.push_back(std::to_string(since_accept().count()) + "ms " + std::move(what));
  }

  // False when the session must end.
  bool run_step(const Script::Step& step) {
    using Kind = Script::Step::Kind;
    switch (step.kind) {
      case Kind::send:
        return write(step.bytes);
      case Kind::drip:
        for (std::size_t i = 0; i < step.bytes.size(); ++i) {
          if (!write(std::string_view(step.bytes).substr(i, 1))) return false;
          const bool last = i + 1 == step.bytes.size();
          if (!last && !watch(Clock::now() + step.time, true, [] { return false; })) return false;
        }
        return true;
      case Kind::pause:
        return watch(Clock::now() + step.time, true, [] { return false; });
      case Kind::expect_line: {
        const auto has_line = [this] { return record_.lines.size() > lines_taken_; };
        if (!watch(Clock::now() + step.time, false, has_line)) return false;
        if (!has_line()) {
          record_.violations.push_back("no client line within " + std::to_string(step.time.count()) + "ms");
          return false;
        }
        ++lines_taken_;
        return true;
      }
      case Kind::drain:
        if (!watch(Clock::now() + step.time, false, [] { return false; })) return false;
        note("drain cap reached");
        return true;
      case Kind::close:
        close_gracefully();
        return false;
      case Kind::reset: {
        const linger abort_now{1, 0};
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now);
        fd_.reset();
        note("reset sent");
        return false;
      }
    }
    return false;
  }

  // FIN first, then take in what the client still sends until it closes (capped): closing
  // with unread bytes would turn our FIN into a reset.
  void close_gracefully() {
    if (fd_.get() < 0) return;
    ::shutdown(fd_.get(), SHUT_WR);
    if (!record_.client_closed) watch(Clock::now() + kCloseWait, false, [] { return false; });
    fd_.reset();
  }

  // Polls until `until` or until done(), taking in whatever the client sends; bytes taken in
  // while `early` count as early talk. False if the session must end (the client closed,
  // talked early on a strict script, or the server is stopping).
  bool watch(Clock::time_point until, bool early, const std::function<bool()>& done) {
    for (;;) {
      if (done()) return true;
      if (stopping_) {
        note("server stopping");
        return false;
      }
      const auto now = Clock::now();
      if (now >= until) return true;
      pollfd p{fd_.get(), POLLIN, 0};
      const int r = ::poll(&p, 1, ceil_ms(std::min<Clock::duration>(until - now, kSlice)));
      if (r < 0 && errno != EINTR) {
        note("poll failed: " + errno_text(errno));
        return false;
      }
      if (r > 0 && !take_in(early)) return false;
    }
  }

  bool take_in(bool early) {
    char buffer[4096];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
      record_.client_closed = true;
      note("client connection failed: " + errno_text(errno));
      return false;
    }
    if (n == 0) {
      record_.client_closed = true;
      note("client closed");
      return false;
    }
    const std::string_view got(buffer, static_cast<std::size_t>(n));
    if (recorded_ < kMaxRecorded) {
      record_.chunks.push_back({since_accept(), sent_, std::string(got)});
      recorded_ += got.size();
    }
    for (char c : got) {
      partial_ += c;
      if (c == '\n') record_.lines.push_back(std::exchange(partial_, {}));
    }
    if (partial_.size() > kMaxLine) {
      record_.violations.push_back("client line longer than " + std::to_string(kMaxLine) + " octets");
      return false;
    }
    if (early) {
      record_.early_bytes += got.size();
      if (script_.drops_early_talkers()) {
        record_.violations.push_back("client wrote " + std::to_string(got.size()) + " bytes after " +
                                     std::to_string(sent_) + " server bytes, before the reply was complete");
        return false;
      }
    }
    return true;
  }

  bool write(std::string_view bytes) {
    const auto cap = Clock::now() + kWriteCap;
    while (!bytes.empty()) {
      if (stopping_) return false;
      const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent_ += static_cast<std::size_t>(n);
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        note("write failed: " + errno_text(errno));
        return false;
      }
      if (Clock::now() >= cap) {
        note("write stalled: the client does not read");
        return false;
      }
      pollfd p{fd_.get(), POLLIN | POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(kSlice.count())) > 0 && (p.revents & POLLIN) != 0 && !take_in(false)) {
        return false;
      }
    }
    return true;
  }

  Fd fd_;
  const Script& script_;
  const std::atomic<bool>& stopping_;
  const Clock::time_point accepted_;
  SessionRecord record_;
  std::string partial_;         // client bytes after the last LF
  std::size_t lines_taken_ = 0; // lines consumed by expect_line
  std::size_t sent_ = 0;
  std::size_t recorded_ = 0;
};

}  // namespace detail

ScriptedServer::ScriptedServer(Script script, const std::string& bind_address)
    : script_(std::move(script)) {
  detail::Fd fd = detail::bind_ephemeral(bind_address, 16);
  port_ = detail::local_port(fd.get());
  listen_fd_ = fd.release();
  thread_ = std::thread([this] { run(); });
}

ScriptedServer::~ScriptedServer() { stop(); }

void ScriptedServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

void ScriptedServer::run() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(detail::kSlice.count())) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SessionRecord record = serve(fd);
    {
      std::lock_guard lock(mutex_);
      sessions_.push_back(std::move(record));
    }
    ended_.notify_all();
  }
}

SessionRecord ScriptedServer::serve(int fd) { return detail::Connection(fd, script_, stopping_).run(); }

std::vector<SessionRecord> ScriptedServer::wait_sessions(std::size_t count, Millis cap) {
  std::unique_lock lock(mutex_);
  ended_.wait_for(lock, cap, [&] { return sessions_.size() >= count; });
  return sessions_;
}

bool has_ipv6_loopback() {
  try {
    detail::bind_ephemeral("::1", -1);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::uint16_t unused_port() {
  const detail::Fd fd = detail::bind_ephemeral("127.0.0.1", -1);
  return detail::local_port(fd.get());
}

namespace {

// A connected client socket, or -1 if the connect failed or got no answer within `wait`
// (then *hung, if given, says which).
int connect_client(const std::string& address, std::uint16_t port, Millis wait, bool* hung = nullptr) {
  if (hung != nullptr) *hung = false;
  const detail::SocketAddress where(address, port);
  detail::Fd fd(::socket(where.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return -1;
  if (::connect(fd.get(), where.get(), where.length) == 0) return fd.release();
  if (errno != EINPROGRESS) return -1;
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) {
    if (hung != nullptr) *hung = true;
    return -1;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0 ? fd.release() : -1;
}

}  // namespace

bool accepts_connections(const std::string& address, std::uint16_t port) {
  const detail::Fd fd(connect_client(address, port, Millis(1000)));
  return fd.get() >= 0;
}

std::string talk_raw(const std::string& address, std::uint16_t port, const std::string& say, Millis cap) {
  const detail::Fd fd(connect_client(address, port, Millis(1000)));
  if (fd.get() < 0) throw std::system_error(ECONNREFUSED, std::generic_category(), "talk_raw connect");
  ::send(fd.get(), say.data(), say.size(), MSG_NOSIGNAL);
  std::string heard;
  const auto until = detail::Clock::now() + cap;
  for (auto now = detail::Clock::now(); now < until; now = detail::Clock::now()) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, detail::ceil_ms(until - now)) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    heard.append(buffer, static_cast<std::size_t>(n));
  }
  return heard;
}

FullListener::FullListener() {
  detail::Fd fd = detail::bind_ephemeral("127.0.0.1", 0);
  port_ = detail::local_port(fd.get());
  listen_fd_ = fd.release();
  // Backlog 0 queues one connection; a handful of tries is plenty on any Linux.
  for (int i = 0; i < 8 && !ok_; ++i) {
    bool hung = false;
    const int established = connect_client("127.0.0.1", port_, Millis(200), &hung);
    if (established < 0) {
      ok_ = hung;  // no answer: the queue is full; refused: this kernel resets instead
      break;
    }
    fillers_.push_back(established);
  }
}

FullListener::~FullListener() {
  for (int fd : fillers_) ::close(fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

}  // namespace smtp_exporter::test
