// An SMTP server for the benchmark with exact, logged delays, in C++ so that it keeps its
// timing with thousands of connections at once (the Python one cannot):
//   smtp_exporter_bench_delay_server PORT GREETING_DELAY_MS EHLO_DELAY_MS [LOG_FILE]
// Greets GREETING_DELAY_MS after accepting, answers EHLO EHLO_DELAY_MS after the EHLO line
// arrived, answers QUIT with 221. Arrival is the kernel's receive time (SO_TIMESTAMPNS), so a
// busy server does not count its own queueing. LOG_FILE gets one line per EHLO: the client's EHLO
// name and the delay the server really applied (from the EHLO's arrival to just before it hands
// the reply to the kernel), in seconds. Loopback only; runs until killed.
#include <sys/resource.h>

#include <array>

#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "prober/stamped_read.hpp"

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

asio::awaitable<void> session(tcp::socket socket, const Settings& settings) {
  smtp_exporter::prober::enable_arrival_times(socket);
  Clock::time_point arrived;
  std::array<char, 4096> data;
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
      const auto read = co_await smtp_exporter::prober::read_stamped(socket, data);
      if (read.ec) co_return;
      arrived = read.arrived;
      buffer.append(data.data(), read.bytes);
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
