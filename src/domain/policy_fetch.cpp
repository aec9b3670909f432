#include "domain/policy_fetch.hpp"

#include <optional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "prober/tls.hpp"

namespace smtp_exporter::domain {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

PolicyFetch failed(std::string detail) {
  PolicyFetch fetch;
  fetch.detail = std::move(detail);
  return fetch;
}

// The addresses of `host`, IPv4 first; a bogus answer is never used.
asio::awaitable<std::vector<std::string>> addresses_of(const std::string& host, dns::Resolver& resolver,
                                                       Clock::time_point deadline, std::string& why) {
  std::vector<std::string> out;
  for (const auto type : {dns::RecordType::a, dns::RecordType::aaaa}) {
    const dns::Answer answer = co_await resolver.query(host, type, deadline);
    if (answer.status == dns::Status::bogus) {
      why = "DNSSEC validation of " + host + " failed: " + answer.detail;
      co_return std::vector<std::string>{};
    }
    for (const auto& record : answer.records) {
      if (auto text = dns::parse_address(type, record)) out.push_back(std::move(*text));
    }
    if (out.empty() && why.empty() && answer.status != dns::Status::ok && answer.status != dns::Status::no_data) {
      why = "resolving " + host + ": " + std::string(dns::status_name(answer.status));
    }
  }
  if (out.empty() && why.empty()) why = "no address for " + host;
  co_return out;
}

}  // namespace

asio::awaitable<PolicyFetch> fetch_policy(const std::string& domain, const PolicyFetchOptions& options,
                                          dns::Resolver& resolver, Clock::time_point deadline) {
  const std::string host = "mta-sts." + domain;
  std::string why;
  const auto addresses = co_await addresses_of(host, resolver, deadline, why);
  if (addresses.empty()) co_return failed(why);

  beast::ssl_stream<beast::tcp_stream> stream(co_await asio::this_coro::executor, *options.tls);
  beast::get_lowest_layer(stream).expires_at(deadline);
  boost::system::error_code ec = asio::error::host_not_found;
  for (const auto& address : addresses) {
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address), options.port);
    std::tie(ec) = co_await beast::get_lowest_layer(stream).async_connect(endpoint, use_tuple);
    if (!ec || ec == beast::error::timeout) break;
  }
  if (ec) co_return failed("connecting to " + host + ": " + ec.message());
  prober::prepare_tls(stream.native_handle(), host, false);  // SNI and the name verified
  std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
  if (ec) {
    const std::string unverified = prober::verify_error(stream.native_handle());
    co_return failed(unverified.empty() ? "TLS with " + host + ": " + ec.message()
                                        : "certificate of " + host + " not verified: " + unverified);
  }

  http::request<http::empty_body> request(http::verb::get, "/.well-known/mta-sts.txt", 11);
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "smtp_exporter");
  std::tie(ec, std::ignore) = co_await http::async_write(stream, request, use_tuple);
  if (ec) co_return failed("sending the request to " + host + ": " + ec.message());

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_bytes);
  std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (ec == http::error::body_limit) co_return failed("the policy is larger than " + std::to_string(options.max_bytes) + " bytes");
  if (ec) co_return failed("reading the policy from " + host + ": " + ec.message());
  const auto status = parser.get().result_int();
  if (status >= 300 && status < 400) co_return failed("HTTP " + std::to_string(status) + " (redirects are not followed)");
  if (status != 200) co_return failed("HTTP " + std::to_string(status));
  PolicyFetch fetch;
  fetch.ok = true;
  fetch.body = std::move(parser.get().body());
  // A polite close; a server that just drops the connection is no failure of the policy.
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  std::tie(ec) = co_await stream.async_shutdown(use_tuple);
  co_return fetch;
}

}  // namespace smtp_exporter::domain
