// A byte stream to a server with a deadline on every operation: TCP (TLS after an upgrade, or
// from the start) or a Unix socket. The SMTP connection (connection.hpp) and the mail loop's
// IMAP client (imap/client.hpp) read and write through it; it knows no protocol.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "prober/deadlines.hpp"
#include "prober/probe_result.hpp"
#include "prober/transcript.hpp"

namespace smtp_exporter::prober {

// How an upgrade to TLS went.
struct TlsUpgrade {
  Failure failure = Failure::none;  // none, tls_handshake or tls_verify
  std::string detail;
};

class Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // `transcript` gets the stream's notes (TLS established, why a handshake failed).
  Stream(const boost::asio::any_io_executor& executor, Transcript& transcript);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Connects over TCP (closing the socket of an earlier attempt) or to a Unix socket; an empty
  // error code once connected, timed_out when the deadline stopped it.
  boost::asio::awaitable<boost::system::error_code> connect(const boost::asio::ip::tcp::endpoint& endpoint,
                                                            Clock::time_point deadline);
  boost::asio::awaitable<boost::system::error_code> connect(const std::string& unix_path, Clock::time_point deadline);

  // Writes all of `bytes`; timed_out when the deadline stopped it.
  boost::asio::awaitable<boost::system::error_code> write(std::string_view bytes, Clock::time_point deadline);

  // Waits for what the server sends next and reads what is there; `fresh` views the bytes (valid
  // until the next read), arrived() says when they came. timed_out when the deadline passed
  // first; the stream stays usable then (an IMAP client waiting in IDLE reads again).
  boost::asio::awaitable<boost::system::error_code> read_some(std::string_view& fresh, Clock::time_point deadline);

  // The TLS handshake over the TCP connection (after STARTTLS, or first for implicit TLS); from
  // then on the stream talks TLS. `facts` gets what the handshake showed, even when the
  // certificate did not verify.
  boost::asio::awaitable<TlsUpgrade> upgrade_to_tls(boost::asio::ssl::context& context, const std::string& server_name,
                                                    bool insecure_skip_verify, Clock::time_point deadline,
                                                    std::optional<TlsFacts>& facts);

  bool is_tls() const { return tls_ != nullptr; }
  bool is_unix() const { return is_unix_; }
  // The certificate chain the server presented in the handshake (DER, its own first).
  std::vector<std::string> peer_chain_der() const;
  // When the bytes of the last read arrived: the kernel's time stamp on plain TCP (so that a
  // busy event loop does not show as the server's latency), the read's time otherwise.
  Clock::time_point arrived() const { return arrived_; }
  void close();

 private:
  // An operation that failed because the deadline passed (the watch cancelled it) timed out.
  boost::system::error_code timed_out_or(boost::system::error_code ec) const;
  void cancel();

  boost::asio::ip::tcp::socket tcp_;
  boost::asio::local::stream_protocol::socket unix_;
  bool is_unix_ = false;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;  // once TLS started
  Deadlines::Watch watch_;  // after the sockets, which it cancels
  Transcript& transcript_;
  std::array<char, 4096> buffer_{};  // what one read brings
  Clock::time_point arrived_;
};

}  // namespace smtp_exporter::prober
