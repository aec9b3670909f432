// The HTTP server with a real client over loopback: streamed (chunked) bodies, pipelined
// requests, and handlers cancelled when their client hangs up.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace smtp_exporter::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

constexpr int kPieces = 40;

std::string piece_text(int i) {
  if (i == 7) return "";  // an empty piece in the middle must not end the body
  return std::string(30000 + i * 1000, static_cast<char>('a' + i % 26)) + "\n";
}

std::string whole_body() {
  std::string body;
  for (int i = 0; i < kPieces; ++i) body += piece_text(i);
  return body;
}

// Shut down (its coroutines destroyed) while the server still exists, as main() does.
class IoContext : public asio::io_context {
 public:
  using asio::io_context::shutdown;
};

// A server on its own io_context thread whose /stream answer is written in kPieces pieces,
// whose /endless answer never ends, whose /pause answers after 300 ms and whose /wait answers
// after 10 s unless it is cancelled.
class StreamingServer {
 public:
  StreamingServer() : server_(io_.get_executor(), [this](const Request& r) { return handle(r); }) {
    server_.listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~StreamingServer() {
    io_.stop();
    thread_.join();
    server_.join_threads();
    io_.shutdown();
  }
  unsigned short port() const { return server_.local_endpoint().port(); }
  int endless_pieces() const { return endless_pieces_; }
  int waits_started() const { return waits_started_; }
  int waits_cancelled() const { return waits_cancelled_; }

 private:
  asio::awaitable<Reply> handle(const Request& request) {
    if (request.target() == "/pause" || request.target() == "/wait") {
      const bool pause = request.target() == "/pause";
      if (!pause) ++waits_started_;
      asio::steady_timer timer(co_await asio::this_coro::executor,
                               pause ? std::chrono::milliseconds(300) : std::chrono::milliseconds(10000));
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) ++waits_cancelled_;
      co_return make_response(bhttp::status::ok, pause ? "paused\n" : "waited\n");
    }
    Response head = make_response(bhttp::status::ok, "");
    if (request.target() == "/endless") {
      BodyWriter endless = [this](std::string& out) {
        out.assign(64 * 1024, 'x');
        return ++endless_pieces_ < 100000;
      };
      co_return Reply(std::move(head), std::move(endless));
    }
    auto next = std::make_shared<int>(0);
    BodyWriter body = [next](std::string& out) {
      out += piece_text((*next)++);
      return *next < kPieces;
    };
    co_return Reply(std::move(head), std::move(body));
  }

  IoContext io_;
  Server server_;
  std::thread thread_;
  std::atomic<int> endless_pieces_ = 0;
  std::atomic<int> waits_started_ = 0;
  std::atomic<int> waits_cancelled_ = 0;
};

bhttp::response<bhttp::string_body> read_response(tcp::socket& socket, boost::beast::flat_buffer& buffer,
                                                  bhttp::verb verb = bhttp::verb::get) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(verb == bhttp::verb::head);
  bhttp::read(socket, buffer, parser);
  return parser.release();
}

bhttp::response<bhttp::string_body> get(tcp::socket& socket, bhttp::verb verb, const std::string& target) {
  bhttp::request<bhttp::empty_body> request{verb, target, 11};
  request.set(bhttp::field::host, "localhost");
  bhttp::write(socket, request);
  boost::beast::flat_buffer buffer;
  return read_response(socket, buffer, verb);
}

TEST(Server, StreamedBodyArrivesWholeInOrderAndTheConnectionStaysOpen) {
  StreamingServer server;
  asio::io_context client;
  tcp::socket socket(client);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  for (int round = 0; round < 2; ++round) {  // keep-alive: a second request on the same connection
    const auto response = get(socket, bhttp::verb::get, "/stream");
    EXPECT_EQ(response.result(), bhttp::status::ok);
    EXPECT_TRUE(response.chunked());
    EXPECT_EQ(response.body(), whole_body());
  }
  const auto head = get(socket, bhttp::verb::head, "/stream");
  EXPECT_EQ(head.result(), bhttp::status::ok);
  EXPECT_TRUE(head.body().empty());
}

TEST(Server, ClientThatLeavesMidBodyStopsTheWriter) {
  StreamingServer server;
  asio::io_context client;
  {
    tcp::socket socket(client);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, "/endless", 11};
    bhttp::write(socket, request);
    std::string some(256 * 1024, '\0');
    asio::read(socket, asio::buffer(some));
  }  // closed after reading a little
  // The server notices when its next write fails and calls the writer no more.
  int last = -1;
  for (int i = 0; i < 100 && last != server.endless_pieces(); ++i) {
    last = server.endless_pieces();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(last, server.endless_pieces());
  EXPECT_LT(server.endless_pieces(), 100000);
  // And serves the next client.
  tcp::socket socket(client);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  EXPECT_EQ(get(socket, bhttp::verb::get, "/stream").body(), whole_body());
}

TEST(Server, ClientThatHangsUpCancelsItsHandler) {
  StreamingServer server;
  asio::io_context client;
  {
    tcp::socket socket(client);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, "/wait", 11};
    bhttp::write(socket, request);
    for (int i = 0; i < 200 && server.waits_started() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(server.waits_started(), 1);
  }  // closed without waiting for the answer
  for (int i = 0; i < 200 && server.waits_cancelled() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server.waits_cancelled(), 1);  // within 2 s, not the handler's 10
  // And serves the next client.
  tcp::socket socket(client);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  EXPECT_EQ(get(socket, bhttp::verb::get, "/stream").body(), whole_body());
}

TEST(Server, ClientThatWaitsGetsItsAnswer) {
  StreamingServer server;
  asio::io_context client;
  tcp::socket socket(client);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  for (int round = 0; round < 2; ++round) {  // the watch for a hang-up ends with each answer
    const auto response = get(socket, bhttp::verb::get, "/pause");
    EXPECT_EQ(response.result(), bhttp::status::ok);
    EXPECT_EQ(response.body(), "paused\n");
  }
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  StreamingServer server;
  asio::io_context client;
  tcp::socket socket(client);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  const std::string pause = "GET /pause HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const std::string stream = "GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n";
  boost::beast::flat_buffer buffer;
  // Both requests in one write: the second arrives with the first.
  asio::write(socket, asio::buffer(pause + stream));
  EXPECT_EQ(read_response(socket, buffer).body(), "paused\n");
  EXPECT_EQ(read_response(socket, buffer).body(), whole_body());
  // The second arrives while the first is handled: the watch for a hang-up reads it, and must
  // keep it for the next request, not take it for a hang-up or lose it.
  asio::write(socket, asio::buffer(pause));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  asio::write(socket, asio::buffer(stream));
  EXPECT_EQ(read_response(socket, buffer).body(), "paused\n");
  EXPECT_EQ(read_response(socket, buffer).body(), whole_body());
  EXPECT_EQ(server.waits_cancelled(), 0);
}

}  // namespace
}  // namespace smtp_exporter::http
