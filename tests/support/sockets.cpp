#include "support/sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace smtp_exporter::test {
namespace {

using Clock = std::chrono::steady_clock;

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

int ceil_ms(Clock::duration d) { return static_cast<int>(std::chrono::ceil<Millis>(d).count()); }

// A connected client socket, or an empty Fd if the connect failed or got no answer within
// `wait` (then *hung, if given, says which).
Fd connect_client(const std::string& address, std::uint16_t port, Millis wait, bool* hung = nullptr) {
  if (hung != nullptr) *hung = false;
  const SocketAddress where(address, port);
  Fd fd(::socket(where.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return {};
  if (::connect(fd.get(), where.get(), where.length) == 0) return fd;
  if (errno != EINPROGRESS) return {};
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) {
    if (hung != nullptr) *hung = true;
    return {};
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0 ? std::move(fd) : Fd();
}

}  // namespace

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

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

Fd accept_within(int listen_fd, Millis wait) {
  pollfd p{listen_fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return {};
  return Fd(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
}

bool has_ipv6_loopback() {
  try {
    bind_ephemeral("::1", -1);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::uint16_t unused_port() {
  const Fd fd = bind_ephemeral("127.0.0.1", -1);
  return local_port(fd.get());
}

bool accepts_connections(const std::string& address, std::uint16_t port) {
  return connect_client(address, port, Millis(1000)).get() >= 0;
}

std::string talk_raw(const std::string& address, std::uint16_t port, const std::string& say, Millis cap) {
  const Fd fd = connect_client(address, port, Millis(1000));
  if (fd.get() < 0) throw std::system_error(ECONNREFUSED, std::generic_category(), "talk_raw connect");
  ::send(fd.get(), say.data(), say.size(), MSG_NOSIGNAL);
  std::string heard;
  const auto until = Clock::now() + cap;
  for (auto now = Clock::now(); now < until; now = Clock::now()) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, ceil_ms(until - now)) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    heard.append(buffer, static_cast<std::size_t>(n));
  }
  return heard;
}

FullListener::FullListener() : listener_(bind_ephemeral("127.0.0.1", 0)), port_(local_port(listener_.get())) {
  // Backlog 0 queues one connection; a handful of tries is plenty on any Linux.
  for (int i = 0; i < 8 && !ok_; ++i) {
    bool hung = false;
    Fd established = connect_client("127.0.0.1", port_, Millis(200), &hung);
    if (established.get() < 0) {
      ok_ = hung;  // no answer: the queue is full; refused: this kernel resets instead
      break;
    }
    fillers_.push_back(std::move(established));
  }
}

}  // namespace smtp_exporter::test
