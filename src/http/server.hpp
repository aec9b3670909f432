// The exporter's HTTP server: Boost.Beast on the prober's io_context, one coroutine per
// connection, no thread per request. It knows nothing about the routes it serves.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace smtp_exporter::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;

// A response with body and content type; keep-alive and the version are set by the server.
Response make_response(boost::beast::http::status status, std::string body,
                       std::string_view content_type = "text/plain; charset=utf-8");

// Parses --web.listen-address: ":9025" (every interface), "127.0.0.1:9025", "[::1]:9025",
// "localhost:9025". False with a reason if malformed.
bool parse_listen_address(std::string_view text, std::string& host, unsigned short& port, std::string& why);

class Server {
 public:
  Server(boost::asio::any_io_executor executor, Handler handler);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Throws std::runtime_error naming the address on failure.
  void listen(std::string_view listen_address);
  boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
};

}  // namespace smtp_exporter::http
