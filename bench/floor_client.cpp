// The floor for interval mode (issue 6): a bare Asio client that runs the same SMTP sessions as a
// probe (connect, wait for the final 220 line, EHLO, wait for the final 250 line, QUIT, wait for
// 221 or close) and nothing else: no config, no metrics, no timers, no HTTP. Prints one JSON
// line with its own CPU time per session (the scheduler's run time), which bench/run.sh
// compares with the exporter's CPU per probe.
//   smtp_exporter_bench_floor_client HOST PORT SESSIONS CONCURRENCY [RATE [TICK_MS]]
// With RATE (sessions per second) the sessions start on a steady grid, one every 1/RATE s, as
// an interval exporter spreads its probes; without it they run back to back. With TICK_MS too,
// each start time is rounded down to a multiple of TICK_MS, as the exporter's scheduler does
// (sessions due within one tick start together).
#include <sys/resource.h>

#include <boost/asio.hpp>

#include <charconv>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// The process's CPU time. /proc/self/schedstat is the scheduler's exact run time; rusage is
// sampled at the timer tick here (tick-based accounting), which is biased for a process that
// wakes on a steady grid, so it is only the fallback.
double cpu_seconds() {
  if (std::FILE* f = std::fopen("/proc/self/schedstat", "r")) {
    unsigned long long ns = 0;
    const int got = std::fscanf(f, "%llu", &ns);
    std::fclose(f);
    if (got == 1) return static_cast<double>(ns) / 1e9;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Reads lines until one whose code is followed by a space (the final line of a reply); returns its code.
asio::awaitable<int> read_reply(tcp::socket& socket, std::string& buffer) {
  for (;;) {
    const std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), '\n', asio::use_awaitable);
    const std::string_view line(buffer.data(), n);
    int code = 0;
    const bool final_line = line.size() >= 4 && line[3] == ' ';
    if (line.size() >= 3) std::from_chars(line.data(), line.data() + 3, code);
    buffer.erase(0, n);
    if (final_line || line.size() < 4) co_return code;
  }
}

struct Counters {
  int left = 0;
  int started = 0;
  double rate = 0;  // sessions per second; 0 = back to back
  double tick = 0;  // seconds; start times rounded down to it (0: not rounded)
  std::chrono::steady_clock::time_point t0;
  int ok = 0;
  int failed = 0;
};

asio::awaitable<void> worker(tcp::endpoint endpoint, Counters& counters) {
  auto executor = co_await asio::this_coro::executor;
  std::string buffer;
  asio::steady_timer pacer(executor);
  while (counters.left > 0) {
    --counters.left;
    if (counters.rate > 0) {  // wait for this session's slot on the grid
      double at = counters.started++ / counters.rate;
      if (counters.tick > 0) at = std::floor(at / counters.tick) * counters.tick;
      const auto due = counters.t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                         std::chrono::duration<double>(at));
      pacer.expires_at(due);
      co_await pacer.async_wait(asio::use_awaitable);
    }
    try {
      tcp::socket socket(executor);
      co_await socket.async_connect(endpoint, asio::use_awaitable);
      buffer.clear();
      bool good = co_await read_reply(socket, buffer) == 220;
      co_await asio::async_write(socket, asio::buffer(std::string_view("EHLO bench.example.org\r\n")), asio::use_awaitable);
      good = good && co_await read_reply(socket, buffer) == 250;
      co_await asio::async_write(socket, asio::buffer(std::string_view("QUIT\r\n")), asio::use_awaitable);
      try {
        co_await read_reply(socket, buffer);
      } catch (const boost::system::system_error&) {
        // a server that closes after QUIT is fine
      }
      if (good) {
        ++counters.ok;
      } else {
        ++counters.failed;
      }
    } catch (const boost::system::system_error&) {
      ++counters.failed;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::fprintf(stderr, "usage: %s HOST PORT SESSIONS CONCURRENCY [RATE [TICK_MS]]\n", argv[0]);
    return 2;
  }
  const tcp::endpoint endpoint(asio::ip::make_address(argv[1]),
                               static_cast<unsigned short>(std::atoi(argv[2])));
  Counters counters;
  counters.left = std::atoi(argv[3]);
  const int concurrency = std::atoi(argv[4]);
  if (argc >= 6) counters.rate = std::atof(argv[5]);
  if (argc >= 7) counters.tick = std::atof(argv[6]) / 1000;
  // As the exporter: one thread runs it, only the queue is locked.
  asio::io_context io(static_cast<int>(BOOST_ASIO_CONCURRENCY_HINT_ID | BOOST_ASIO_CONCURRENCY_HINT_LOCKING_SCHEDULER));
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  counters.t0 = t0;
  for (int i = 0; i < concurrency; ++i) asio::co_spawn(io, worker(endpoint, counters), asio::detached);
  io.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  const int sessions = counters.ok + counters.failed;
  std::printf("{\"sessions\": %d, \"ok\": %d, \"failed\": %d, \"wall_s\": %.3f, \"cpu_s\": %.4f, \"cpu_us_per_session\": %.2f}\n",
              sessions, counters.ok, counters.failed, wall, cpu, sessions ? 1e6 * cpu / sessions : 0.0);
  return counters.failed == 0 ? 0 : 1;
}
