// An SMTP server for the benchmark with exact, logged delays, in C++ so that it keeps its
// timing with thousands of connections at once (the Python one cannot):
//   smtp_exporter_bench_delay_server PORT GREETING_DELAY_MS EHLO_DELAY_MS [LOG_FILE]
// Greets GREETING_DELAY_MS after accepting, answers EHLO EHLO_DELAY_MS after the EHLO line
// arrived, answers QUIT with 221. Arrival is the kernel's receive time (SO_TIMESTAMPNS), so a
// busy server does not count its own queueing. LOG_FILE gets one line per EHLO: the client's EHLO
// name and the delay the server really applied (from the EHLO's arrival to just before it hands
// the reply to the kernel), in seconds. Loopback only; runs until killed.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Settings {
  std::chrono::microseconds greeting_delay;
  std::chrono::microseconds ehlo_delay;
  std::FILE* log = nullptr;
};

// Reads what is there into `buffer`; returns false on EOF or error. `arrived`: the kernel's
// receive time of the data, on the steady clock.
asio::awaitable<bool> receive(tcp::socket& socket, std::string& buffer, Clock::time_point& arrived) {
  for (;;) {
    auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, use_tuple);
    if (ec) co_return false;
    std::array<char, 4096> data;
    iovec iov{data.data(), data.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket.native_handle(), &msg, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) co_return false;
    arrived = Clock::now();
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      const auto kernel = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
      arrived -= std::chrono::duration_cast<Clock::duration>(std::chrono::system_clock::now() - kernel);
    }
    buffer.append(data.data(), static_cast<std::size_t>(n));
    co_return true;
  }
}

asio::awaitable<void> session(tcp::socket socket, const Settings& settings) {
  const int on = 1;
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  Clock::time_point arrived;
  asio::steady_timer timer(socket.get_executor());
  std::string buffer;
  if (settings.greeting_delay.count() > 0) {
    timer.expires_after(settings.greeting_delay);
    co_await timer.async_wait(use_tuple);
  }
  auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(std::string_view("220 bench.example ESMTP\r\n")), use_tuple);
  if (wec) co_return;
  for (;;) {
    std::size_t end = buffer.find('\n');
    while (end == std::string::npos) {
      const bool more = co_await receive(socket, buffer, arrived);
      if (!more) co_return;
      end = buffer.find('\n');
    }
    const auto read_at = arrived;
    std::string line = buffer.substr(0, end + 1);
    buffer.erase(0, end + 1);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    std::string_view reply = "502 no\r\n";
    const bool ehlo = line.rfind("EHLO", 0) == 0 || line.rfind("HELO", 0) == 0;
    if (ehlo) {
      timer.expires_at(read_at + settings.ehlo_delay);
      co_await timer.async_wait(use_tuple);
      reply = "250-bench.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
    } else if (line.rfind("QUIT", 0) == 0) {
      reply = "221 bye\r\n";
    }
    const double applied = std::chrono::duration<double>(Clock::now() - read_at).count();  // stamped before the write
    auto [sec, sn] = co_await asio::async_write(socket, asio::buffer(reply), use_tuple);
    if (ehlo && settings.log) {
      const auto space = line.find(' ');
      std::fprintf(settings.log, "%s %.7f\n", space == std::string::npos ? "-" : line.substr(space + 1).c_str(), applied);
    }
    if (sec || reply.starts_with("221")) co_return;
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const Settings& settings) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), settings), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s PORT GREETING_DELAY_MS EHLO_DELAY_MS [LOG_FILE]\n", argv[0]);
    return 2;
  }
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  Settings settings{std::chrono::microseconds(static_cast<long>(std::atof(argv[2]) * 1000)),
                    std::chrono::microseconds(static_cast<long>(std::atof(argv[3]) * 1000))};
  if (argc == 5) {
    settings.log = std::fopen(argv[4], "a");
    if (!settings.log) {
      std::perror(argv[4]);
      return 1;
    }
    std::setvbuf(settings.log, nullptr, _IOLBF, 0);
  }
  asio::io_context io(1);
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1])));
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(io, accept_loop(acceptor, settings), asio::detached);
  io.run();
}
