#include "prober/connection.hpp"

#include <algorithm>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace smtp_exporter::prober {
namespace {

namespace asio = boost::asio;

// A read that ended without a reply. (A function, not a braced temporary in co_return: g++ 12
// mishandles those in coroutines.)
ReplyRead failed(ReplyRead::Status status, std::string detail) {
  ReplyRead read;
  read.status = status;
  read.detail = std::move(detail);
  read.at = Connection::Clock::now();
  return read;
}

}  // namespace

// command() and message() are plain functions that hand the coroutine its bytes (one coroutine
// frame per exchange fewer; the caller's views outlive the co_await of the result).
asio::awaitable<ReplyRead> Connection::command(std::string_view line, Clock::time_point deadline,
                                               std::string_view shown) {
  std::string bytes;
  bytes.reserve(line.size() + 2);
  bytes.append(line).append("\r\n");
  return send_then_read(std::move(bytes), shown.empty() ? line : shown, deadline);
}

asio::awaitable<ReplyRead> Connection::message(std::string_view text, Clock::time_point deadline,
                                               std::string_view shown) {
  return send_then_read(std::string(text), shown, deadline);
}

asio::awaitable<ReplyRead> Connection::send_then_read(std::string bytes, std::string_view shown,
                                                      Clock::time_point deadline) {
  transcript_.sent(shown);
  const boost::system::error_code ec = co_await stream_.write(bytes, deadline);
  if (ec) {
    const std::string what = ec == asio::error::timed_out ? "timed out writing" : "write failed: " + ec.message();
    transcript_.note(what);
    co_return failed(ReplyRead::Status::closed, what);
  }
  co_return co_await reply(deadline);
}

asio::awaitable<ReplyRead> Connection::reply(Clock::time_point deadline) {
  for (;;) {
    if (!pending_.empty()) {
      std::size_t used = 0;
      const auto status = parser_.feed(pending_, used);
      pending_.erase(0, used);
      if (status == smtp::ReplyParser::Status::complete) {
        ReplyRead read;
        read.status = ReplyRead::Status::ok;
        read.reply = parser_.take();
        read.at = stream_.arrived();
        if (transcript_.enabled()) {
          const auto lines = smtp::reply_lines(read.reply.text);
          for (std::size_t i = 0; i < lines.size(); ++i) {
            const char separator = i + 1 < lines.size() ? '-' : ' ';
            transcript_.received(std::to_string(read.reply.code) + separator + std::string(lines[i]), read.at);
          }
        }
        co_return read;
      }
      if (status == smtp::ReplyParser::Status::error) {
        transcript_.note("protocol error: " + parser_.error());
        co_return failed(ReplyRead::Status::malformed, parser_.error());
      }
    }
    std::string_view fresh;
    const boost::system::error_code ec = co_await stream_.read_some(fresh, deadline);
    if (ec == asio::error::timed_out) {
      transcript_.note("timed out waiting for a reply");
      co_return failed(ReplyRead::Status::timeout, "timed out waiting for a reply");
    }
    if (ec) {
      const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      const std::string what = closed ? "connection closed by the server" : "read failed: " + ec.message();
      transcript_.note(what);
      co_return failed(ReplyRead::Status::closed, what);
    }
    first_arrival_ = std::min(first_arrival_, stream_.arrived());
    pending_.append(fresh);
  }
}

}  // namespace smtp_exporter::prober
