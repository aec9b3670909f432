#include "prober/stamped_read.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smtp_exporter::prober {
namespace {

using Clock = std::chrono::steady_clock;

// The kernel's arrival time of the data in `msg`, as a steady-clock time; `fallback` (taken
// just after the read) when there is none.
Clock::time_point arrival_time(msghdr& msg, Clock::time_point fallback) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec ts{};
    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
    const auto kernel = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(ts.tv_sec) +
                                                                        std::chrono::nanoseconds(ts.tv_nsec)));
    const auto age = std::chrono::system_clock::now() - kernel;
    if (age < std::chrono::seconds(0) || age > std::chrono::seconds(10)) return fallback;  // clock stepped
    return fallback - std::chrono::duration_cast<Clock::duration>(age);
  }
  return fallback;
}

}  // namespace

void keep_arrival_times_on() {
  static const int keeper = [] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    return fd;
  }();
  (void)keeper;
}

void enable_arrival_times(boost::asio::ip::tcp::socket& socket) {
  keep_arrival_times_on();
  const int on = 1;
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

StampedRead receive_stamped(boost::asio::ip::tcp::socket& socket, std::span<char> buffer) {
  StampedRead out;
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n = -1;
  do {
    n = ::recvmsg(socket.native_handle(), &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    out.ec = boost::asio::error::would_block;
  } else if (n < 0) {
    out.ec = boost::system::error_code(errno, boost::system::system_category());
  } else if (n == 0) {
    out.ec = boost::asio::error::eof;
  } else {
    out.bytes = static_cast<std::size_t>(n);
    out.arrived = arrival_time(msg, Clock::now());
  }
  return out;
}

boost::asio::awaitable<StampedRead> read_stamped(boost::asio::ip::tcp::socket& socket, std::span<char> buffer) {
  for (;;) {
    auto [ec] = co_await socket.async_wait(boost::asio::ip::tcp::socket::wait_read,
                                           boost::asio::as_tuple(boost::asio::use_awaitable));
    StampedRead out;
    if (ec) {
      out.ec = ec;
      co_return out;
    }
    out = receive_stamped(socket, buffer);
    if (out.ec != boost::asio::error::would_block) co_return out;
  }
}

}  // namespace smtp_exporter::prober
