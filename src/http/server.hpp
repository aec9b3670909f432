// The exporter's HTTP server: Boost.Beast on the prober's io_context, one coroutine per
// connection, no thread per request. It knows nothing about the routes it serves. A web config
// (--web.config.file) makes it HTTPS only, asks for basic auth and adds response headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "web/basic_auth.hpp"
#include "web/web_config.hpp"

namespace smtp_exporter::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// A body written piece by piece and sent with chunked transfer encoding, so a large one is never
// held whole: each call appends the next piece to `out` and returns false once it wrote the last.
using BodyWriter = std::function<bool(std::string& out)>;
// A handler's answer: a whole response, or a head whose body `stream` writes piece by piece.
struct Reply {
  Reply() = default;
  Reply(Response whole) : response(std::move(whole)) {}  // implicit: handlers return a Response
  Reply(Response head, BodyWriter body) : response(std::move(head)), stream(std::move(body)) {}
  Response response;
  BodyWriter stream;  // set: the body of `response` is ignored
};
// Answers a request. The server cancels it (Asio's terminal cancellation, delivered to whatever
// it waits for) when the client closes the connection before the answer is ready; a handler that
// waits for something costly (a probe) should stop then. Its answer is not sent.
using Handler = std::function<boost::asio::awaitable<Reply>(const Request&)>;

// A response with body and content type; keep-alive and the version are set by the server.
Response make_response(boost::beast::http::status status, std::string body,
                       std::string_view content_type = "text/plain; charset=utf-8");

// Parses --web.listen-address: ":9025" (every interface), "127.0.0.1:9025", "[::1]:9025",
// "localhost:9025". False with a reason if malformed.
bool parse_listen_address(std::string_view text, std::string& host, unsigned short& port, std::string& why);

class Server {
 public:
  // The web config is the one loaded at start: it is not re-read per connection (exporter-toolkit
  // does that), so a renewed certificate or a changed password takes a restart.
  Server(boost::asio::any_io_executor executor, Handler handler, web::WebConfig web = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Throws std::runtime_error naming the address (or the TLS
  // setting) on failure.
  void listen(std::string_view listen_address);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Connections open at once (--web.max-connections). A new connection beyond it closes the
  // one that has waited longest for a request (or a TLS handshake); if every one is busy with a
  // request, the new one is closed instead. 0: no limit.
  void set_max_connections(std::size_t n) { max_connections_ = n; }
  std::size_t open_connections() const { return connections_.size(); }
  // Lets a password check still running on the bcrypt thread finish. Call it once the io_context
  // has stopped and before it is shut down: the coroutine that waited for the check is then in the
  // io_context's queue, and is destroyed with it while the server still exists.
  void join_threads();

 private:
  boost::asio::awaitable<void> accept_loop();
  // An open connection; idle while it waits for a request or a TLS handshake.
  struct Connection {
    boost::asio::ip::tcp::socket* socket = nullptr;  // null once closed to make room
    bool idle = false;
  };
  class Slot;  // the entry in connections_ of one connection's coroutine
  // Closes the connection idle the longest, to make room for a new one; false if none is idle.
  bool close_oldest_idle();

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, Slot slot);
  // Requests and responses until the client leaves; the same for plain and TLS streams.
  template <class Stream>
  boost::asio::awaitable<void> session(Stream& stream, Slot& slot);
  // Sends a streamed reply: the head, then the body writer's pieces as chunks (the head only for HEAD).
  template <class Stream>
  boost::asio::awaitable<bool> write_chunked(Stream& stream, Reply& reply, bool head_only);
  // The handler's response, or 401 when basic auth is on and the credentials do not pass.
  boost::asio::awaitable<Reply> respond(const Request& request);
  // respond(), cancelled if the client closes the connection first: then nullopt.
  template <class Stream>
  boost::asio::awaitable<std::optional<Reply>> respond_unless_gone(Stream& stream, boost::beast::flat_buffer& buffer,
                                                                   const Request& request);
  // Completes when the client has closed the connection (or reset it). Bytes that come first are
  // a pipelined next request: they are kept in `buffer` for the next read, and the watch then
  // waits only to be cancelled.
  template <class Stream>
  boost::asio::awaitable<void> wait_for_hangup(Stream& stream, boost::beast::flat_buffer& buffer);
  boost::asio::awaitable<bool> authorized(const Request& request);

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  web::WebConfig web_;
  std::size_t max_connections_ = 512;
  // Every open connection; an idle one moves to the back, so the first idle one has waited longest.
  std::list<Connection> connections_;
  std::chrono::steady_clock::time_point last_full_log_{};
  std::optional<boost::asio::ssl::context> tls_;  // set by listen() when web_.tls is
  std::shared_ptr<web::BasicAuth> auth_;          // null without basic_auth_users
  // bcrypt takes tens of milliseconds: it runs on this thread, never on the io_context thread
  // that times the probes. Declared last, so it is joined before the rest goes.
  std::unique_ptr<boost::asio::thread_pool> bcrypt_thread_;
};

}  // namespace smtp_exporter::http
