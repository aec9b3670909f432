// Reads from a TCP socket with the kernel's arrival time of the data (SO_TIMESTAMPNS): with
// many sockets at once the event loop reaches one late, and that wait must not be measured as
// the peer's latency. Used by the prober, and by the benchmark's delay server.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace smtp_exporter::prober {

struct StampedRead {
  boost::system::error_code ec;  // eof when the peer closed
  std::size_t bytes = 0;
  std::chrono::steady_clock::time_point arrived;  // when the data reached the kernel
};

// The kernel switches its receive time-stamping on when the first socket asks for it and off
// when the last one that asked is closed, and each switch patches kernel code from a work item:
// interval probes all end between two ticks, so that happened about 200 times a second. This
// opens one socket that asks and stays open for the life of the process (one descriptor, opened
// once; main() opens it at start-up so that it counts as idle).
void keep_arrival_times_on();

// Asks the kernel to stamp what `socket` receives; once, after it is connected. Calls
// keep_arrival_times_on().
void enable_arrival_times(boost::asio::ip::tcp::socket& socket);

// Reads what is there now into `buffer` with one recvmsg; would_block when nothing is.
// Without a kernel stamp (not enabled, or the wall clock stepped) `arrived` is the read's time.
StampedRead receive_stamped(boost::asio::ip::tcp::socket& socket, std::span<char> buffer);

// Waits until `socket` is readable, then receive_stamped().
boost::asio::awaitable<StampedRead> read_stamped(boost::asio::ip::tcp::socket& socket, std::span<char> buffer);

}  // namespace smtp_exporter::prober
