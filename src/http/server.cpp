#include "http/server.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "log/log.hpp"
#include "util/port.hpp"
#include "web/tls.hpp"

namespace smtp_exporter::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kIdleTimeout = std::chrono::seconds(60);   // keep-alive connection without a request
constexpr auto kWriteTimeout = std::chrono::seconds(60);  // a scraper that stops reading
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kShutdownTimeout = std::chrono::seconds(5);  // waiting for the client's close_notify
constexpr std::size_t kMaxRequestBody = 64 * 1024;        // we take no uploads
constexpr auto kFullLogInterval = std::chrono::minutes(1);  // "connection limit reached" at most this often
}  // namespace

// Holds a connection's entry in connections_ for as long as its coroutine runs.
class Server::Slot {
 public:
  explicit Slot(Server& server)
      : server_(&server), entry_(server.connections_.emplace(server.connections_.end())) {}
  Slot(Slot&& other) noexcept : server_(std::exchange(other.server_, nullptr)), entry_(other.entry_) {}
  Slot& operator=(Slot&&) = delete;
  ~Slot() {
    if (server_) server_->connections_.erase(entry_);
  }
  void open(tcp::socket& socket) { entry_->socket = &socket; }
  // Idle: waiting for a request or a handshake, so it may be closed to make room.
  void idle(bool idle) {
    if (!entry_->socket) return;  // already closed to make room
    entry_->idle = idle;
    if (idle) server_->connections_.splice(server_->connections_.end(), server_->connections_, entry_);
  }

 private:
  Server* server_;
  std::list<Connection>::iterator entry_;
};

Response make_response(bhttp::status status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::server, "smtp_exporter");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

bool parse_listen_address(std::string_view text, std::string& host, unsigned short& port, std::string& why) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    why = "missing :port";
    return false;
  }
  std::string_view h = text.substr(0, colon);
  const std::string_view p = text.substr(colon + 1);
  const std::optional<std::uint16_t> value = util::parse_port(p);  // 0: any free port
  if (!value) {
    why = "bad port \"" + std::string(p) + "\"";
    return false;
  }
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  host = std::string(h);
  port = *value;
  return true;
}

Server::Server(asio::any_io_executor executor, Handler handler, web::WebConfig web)
    : executor_(executor), acceptor_(executor), handler_(std::move(handler)), web_(std::move(web)) {
  if (!web_.basic_auth_users.empty()) {
    auth_ = std::make_shared<web::BasicAuth>(web_.basic_auth_users);
    bcrypt_thread_ = std::make_unique<asio::thread_pool>(1);
  }
}

void Server::listen(std::string_view listen_address) {
  std::string host, why;
  unsigned short port = 0;
  if (!parse_listen_address(listen_address, host, port, why)) {
    throw std::runtime_error("--web.listen-address \"" + std::string(listen_address) + "\": " + why);
  }
  if (web_.tls && !tls_) {
    tls_.emplace(asio::ssl::context::tls_server);
    if (auto failed = web::apply_tls_config(tls_->native_handle(), *web_.tls)) {
      tls_.reset();
      throw std::runtime_error("tls_server_config." + failed->key + ": " + failed->message);
    }
  }
  std::vector<tcp::endpoint> candidates;
  if (host.empty()) {  // every interface: dual-stack IPv6 if the host has it, else IPv4
    candidates = {tcp::endpoint(asio::ip::address_v6::any(), port), tcp::endpoint(asio::ip::address_v4::any(), port)};
  } else {
    boost::system::error_code ec;
    tcp::resolver resolver(executor_);
    for (const auto& entry : resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec)) {
      candidates.push_back(entry.endpoint());
    }
    if (ec || candidates.empty()) {
      throw std::runtime_error("--web.listen-address \"" + std::string(listen_address) +
                               "\": cannot resolve " + host + (ec ? ": " + ec.message() : ""));
    }
  }
  boost::system::error_code ec;
  for (const auto& endpoint : candidates) {
    acceptor_ = tcp::acceptor(executor_);
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) continue;
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (endpoint.address().is_v6() && host.empty()) acceptor_.set_option(asio::ip::v6_only(false), ec);
    acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) break;
  }
  if (ec) {
    throw std::runtime_error("listening on \"" + std::string(listen_address) + "\": " + ec.message());
  }
  asio::co_spawn(executor_, accept_loop(), asio::detached);
}

void Server::join_threads() {
  if (bcrypt_thread_) bcrypt_thread_->join();
}

tcp::endpoint Server::local_endpoint() const { return acceptor_.local_endpoint(); }

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {  // e.g. out of file descriptors: back off briefly instead of spinning
      asio::steady_timer pause(executor_, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (max_connections_ > 0 && connections_.size() >= max_connections_) {
      const bool room = close_oldest_idle();
      if (const auto now = std::chrono::steady_clock::now(); now - last_full_log_ >= kFullLogInterval) {
        last_full_log_ = now;
        log::warn(room ? "HTTP connection limit reached: closed the longest idle connection"
                       : "HTTP connection limit reached and every connection busy: closed the new one",
                  {{"max_connections", std::to_string(max_connections_)}});
      }
      if (!room) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
    }
    asio::co_spawn(executor_, serve(std::move(socket), Slot(*this)), asio::detached);
  }
}

bool Server::close_oldest_idle() {
  const auto oldest = std::ranges::find(connections_, true, &Connection::idle);
  if (oldest == connections_.end()) return false;
  boost::system::error_code ignored;
  oldest->socket->close(ignored);  // its pending read or handshake ends with operation_aborted
  *oldest = Connection{};          // its Slot erases the entry when the coroutine ends
  return true;
}

asio::awaitable<void> Server::serve(tcp::socket socket, Slot slot) {
  if (!tls_) {
    beast::tcp_stream stream(std::move(socket));
    slot.open(stream.socket());
    co_await session(stream, slot);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  slot.open(stream.next_layer().socket());
  slot.idle(true);
  stream.next_layer().expires_after(kHandshakeTimeout);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (hec) co_return;  // plain HTTP, no acceptable client certificate, too slow, or closed for room
  co_await session(stream, slot);
  // Sends close_notify and waits briefly for the client's. A client that just closes the
  // connection (stream_truncated) is normal, so the outcome is not looked at.
  stream.next_layer().expires_after(kShutdownTimeout);
  co_await stream.async_shutdown(use_tuple);
}

template <class Stream>
asio::awaitable<void> Server::session(Stream& stream, Slot& slot) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  const auto add_headers = [this](Response& response) {
    for (const auto& [name, value] : web_.headers) response.set(name, value);
  };
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    tcp.expires_after(kIdleTimeout);
    slot.idle(true);
    auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    slot.idle(false);
    if (rec == bhttp::error::end_of_stream || rec == beast::error::timeout || rec == asio::error::eof ||
        rec == asio::ssl::error::stream_truncated || rec == asio::error::operation_aborted) {
      break;
    }
    if (rec) {  // malformed request: answer once, then close
      Response bad = make_response(bhttp::status::bad_request, "bad request: " + rec.message() + "\n");
      bad.keep_alive(false);
      add_headers(bad);
      tcp.expires_after(kWriteTimeout);
      co_await bhttp::async_write(stream, bad, use_tuple);
      break;
    }
    const Request request = parser.release();
    tcp.expires_never();  // a /probe or scrape-mode /metrics may take the whole scrape timeout
    std::optional<Reply> answer = co_await respond_unless_gone(stream, buffer, request);
    if (!answer) break;  // the client left before its answer was ready
    Reply& reply = *answer;
    Response& response = reply.response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    add_headers(response);
    const bool head_only = request.method() == bhttp::verb::head;
    if (reply.stream) {
      const bool written = co_await write_chunked(stream, reply, head_only);
      if (!written || !response.keep_alive()) break;
      continue;
    }
    if (head_only) response.body().clear();  // keep Content-Length as for GET
    tcp.expires_after(kWriteTimeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, response, use_tuple);
    if (wec || !response.keep_alive()) break;
  }
}

template <class Stream>
asio::awaitable<bool> Server::write_chunked(Stream& stream, Reply& reply, bool head_only) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  Response& head = reply.response;
  head.body().clear();
  head.erase(bhttp::field::content_length);
  head.chunked(true);
  bhttp::response_serializer<bhttp::string_body> serializer(head);
  tcp.expires_after(kWriteTimeout);
  auto [hec, hn] = co_await bhttp::async_write_header(stream, serializer, use_tuple);
  if (hec) co_return false;
  if (head_only) co_return true;
  std::string piece;
  for (bool more = true; more;) {
    piece.clear();
    more = reply.stream(piece);
    if (piece.empty()) continue;
    tcp.expires_after(kWriteTimeout);
    auto [ec, n] = co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(piece)), use_tuple);
    if (ec) co_return false;
  }
  tcp.expires_after(kWriteTimeout);
  auto [ec, n] = co_await asio::async_write(stream, bhttp::make_chunk_last(), use_tuple);
  co_return !ec;
}

asio::awaitable<Reply> Server::respond(const Request& request) {
  if (auth_) {
    const bool allowed = co_await authorized(request);
    if (!allowed) {
      Response denied = make_response(bhttp::status::unauthorized, "Unauthorized\n");
      denied.set(bhttp::field::www_authenticate, "Basic realm=\"smtp_exporter\"");
      co_return denied;
    }
  }
  Reply reply = co_await handler_(request);
  co_return reply;
}

// Like Go's net/http (whose request context blackbox_exporter's probes run under), a client
// that closes its connection cancels its request: a /probe client that gave up (Prometheus'
// scrape timeout) must not keep a probe slot until the probe's own deadline. The cost is a
// read pending while the handler runs, 6 to 9 us of CPU per request (wrk on /-/healthy; lost in
// the 0.2 ms of a /probe). As in Go, a client that half-closes after its request counts as gone.
template <class Stream>
asio::awaitable<std::optional<Reply>> Server::respond_unless_gone(Stream& stream, beast::flat_buffer& buffer,
                                                                  const Request& request) {
  // The group waits for both: when one completes, the other is cancelled and run to its end.
  auto [order, handler_error, reply, watch_error] =
      co_await asio::experimental::make_parallel_group(
          asio::co_spawn(executor_, respond(request), asio::deferred),
          asio::co_spawn(executor_, wait_for_hangup(stream, buffer), asio::deferred))
          .async_wait(asio::experimental::wait_for_one(), asio::deferred);
  if (order[0] == 1) co_return std::nullopt;
  if (handler_error) std::rethrow_exception(handler_error);
  co_return std::optional<Reply>(std::move(reply));
}

template <class Stream>
asio::awaitable<void> Server::wait_for_hangup(Stream& stream, beast::flat_buffer& buffer) {
  constexpr std::size_t kReadSize = 4096;
  auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadSize), use_tuple);
  buffer.commit(n);
  if (ec) co_return;  // closed or reset; or cancelled because the answer is ready
  // A pipelined request: read with the next one. Nothing more to watch without reading further.
  asio::steady_timer until_cancelled(executor_, asio::steady_timer::time_point::max());
  co_await until_cancelled.async_wait(use_tuple);
}

asio::awaitable<bool> Server::authorized(const Request& request) {
  const auto header = request.find(bhttp::field::authorization);
  if (header == request.end()) co_return false;
  auto credentials = web::parse_basic_authorization(header->value());
  if (!credentials) co_return false;
  if (auth_->cached(*credentials)) co_return true;
  // The check owns copies of what it uses: it may outlive this connection. A named function
  // object, not a temporary: g++ 12 destroys temporaries in a co_await expression twice.
  auto check = [auth = auth_, checked = std::move(*credentials)]() -> asio::awaitable<bool> {
    co_return auth->check(checked);
  };
  // Not cancelled when the client hangs up (respond_unless_gone): a check cannot be stopped, and
  // Asio would hand the cancellation to the bcrypt thread, where it could arrive after this
  // wait has ended. The wait is short; the handler is then cancelled at its next co_await.
  const bool passed = co_await asio::co_spawn(
      *bcrypt_thread_, std::move(check), asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
  co_return passed;
}

}  // namespace smtp_exporter::http
