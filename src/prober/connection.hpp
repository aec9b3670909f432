// One SMTP (or LMTP) connection over a byte stream (stream.hpp: plain TCP, TLS after an upgrade,
// or a Unix socket). It sends a command and reads a reply, each before a deadline, and knows
// nothing of steps: the steps (prober/steps/) decide what to send and what a reply means.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "prober/probe_result.hpp"
#include "prober/stream.hpp"
#include "prober/transcript.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::prober {

// A reply, or why none came.
struct ReplyRead {
  enum class Status { ok, timeout, closed, malformed };
  Status status = Status::closed;
  smtp::Reply reply;                           // when ok
  std::string detail;                          // why not, when not ok
  std::chrono::steady_clock::time_point at;    // when the bytes that completed it arrived

  bool ok() const { return status == Status::ok; }
};

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  Connection(const boost::asio::any_io_executor& executor, Transcript& transcript)
      : stream_(executor, transcript), transcript_(transcript) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects over TCP (closing the socket of an earlier attempt) or to a Unix socket; an empty
  // error code once connected, timed_out when the deadline stopped it.
  boost::asio::awaitable<boost::system::error_code> connect(const boost::asio::ip::tcp::endpoint& endpoint,
                                                            Clock::time_point deadline) {
    return stream_.connect(endpoint, deadline);
  }
  boost::asio::awaitable<boost::system::error_code> connect(const std::string& unix_path, Clock::time_point deadline) {
    return stream_.connect(unix_path, deadline);
  }

  // Reads one complete reply (every line up to the final one) before `deadline`.
  boost::asio::awaitable<ReplyRead> reply(Clock::time_point deadline);

  // Writes `line` and CRLF, then reads its reply, all before `deadline`. The transcript shows
  // `shown` instead of the line when given (AUTH lines carry secrets). A failed write reads as
  // a closed connection.
  boost::asio::awaitable<ReplyRead> command(std::string_view line, Clock::time_point deadline,
                                            std::string_view shown = {});

  // Writes a message after DATA's 354 (`text` as smtp::data_text made it: CRLF lines, dots
  // doubled, the end mark), then reads the reply to it. The transcript shows `shown`.
  boost::asio::awaitable<ReplyRead> message(std::string_view text, Clock::time_point deadline, std::string_view shown);

  // The TLS handshake over the TCP connection (after STARTTLS's 220, or before the greeting for
  // implicit TLS); from then on the connection talks TLS. `facts` gets what the handshake
  // showed, even when the certificate did not verify.
  boost::asio::awaitable<TlsUpgrade> upgrade_to_tls(boost::asio::ssl::context& context, const std::string& server_name,
                                                    bool insecure_skip_verify, Clock::time_point deadline,
                                                    std::optional<TlsFacts>& facts) {
    return stream_.upgrade_to_tls(context, server_name, insecure_skip_verify, deadline, facts);
  }

  bool is_tls() const { return stream_.is_tls(); }
  // The certificate chain the server presented in the handshake (DER, its own first).
  std::vector<std::string> peer_chain_der() const { return stream_.peer_chain_der(); }
  bool is_unix() const { return stream_.is_unix(); }
  // Bytes the server sent after its last complete reply, unasked.
  bool has_unread_bytes() const { return !pending_.empty(); }
  std::size_t bare_lf_lines() const { return parser_.bare_lf_count(); }
  // When the first bytes from the server arrived (kernel time stamp on plain TCP); max() if none.
  Clock::time_point first_arrival() const { return first_arrival_; }
  void close() { stream_.close(); }

 private:
  boost::asio::awaitable<ReplyRead> send_then_read(std::string bytes, std::string_view shown,
                                                   Clock::time_point deadline);

  Stream stream_;
  Transcript& transcript_;
  smtp::ReplyParser parser_;
  std::string pending_;  // bytes received after the last complete reply
  Clock::time_point first_arrival_ = Clock::time_point::max();
};

}  // namespace smtp_exporter::prober
