#include "prober/stream.hpp"

#include <tuple>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "prober/stamped_read.hpp"
#include "prober/tls.hpp"

namespace smtp_exporter::prober {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

Stream::Stream(const asio::any_io_executor& executor, Transcript& transcript)
    : tcp_(executor), unix_(executor), watch_(executor, [this] { cancel(); }), transcript_(transcript) {}

void Stream::cancel() {
  boost::system::error_code ignored;
  if (is_unix_) unix_.cancel(ignored);
  else tcp_.cancel(ignored);
}

asio::awaitable<boost::system::error_code> Stream::connect(const tcp::endpoint& endpoint, Clock::time_point deadline) {
  boost::system::error_code ec;
  if (tcp_.is_open()) tcp_.close(ec);
  watch_.arm(deadline);
  if (watch_.expired()) co_return asio::error::timed_out;
  // Stamping is asked for before the connect, so that a greeting that comes while the event
  // loop is busy elsewhere is stamped too.
  tcp_.open(endpoint.protocol(), ec);
  if (!ec) tcp_.non_blocking(true, ec);  // write() tries a plain send first
  if (ec) co_return ec;
  enable_arrival_times(tcp_);
  std::tie(ec) = co_await tcp_.async_connect(endpoint, use_tuple);
  co_return timed_out_or(ec);
}

asio::awaitable<boost::system::error_code> Stream::connect(const std::string& unix_path, Clock::time_point deadline) {
  is_unix_ = true;
  watch_.arm(deadline);
  if (watch_.expired()) co_return asio::error::timed_out;
  auto [ec] = co_await unix_.async_connect(asio::local::stream_protocol::endpoint(unix_path), use_tuple);
  co_return timed_out_or(ec);
}

asio::awaitable<boost::system::error_code> Stream::write(std::string_view bytes, Clock::time_point deadline) {
  watch_.arm(deadline);
  if (watch_.expired()) co_return asio::error::timed_out;
  if (!tls_ && !is_unix_) {
    // A command fits the socket's send buffer: sent at once it needs no write operation and no
    // trip through the scheduler (bench part 8: 8% of a plain probe's instructions, 12% of a
    // transaction's).
    boost::system::error_code ec;
    bytes.remove_prefix(tcp_.write_some(asio::buffer(bytes), ec));
    if (ec && ec != asio::error::would_block) co_return ec;
    if (bytes.empty()) co_return boost::system::error_code();
  }
  std::tuple<boost::system::error_code, std::size_t> io;
  if (tls_) io = co_await asio::async_write(*tls_, asio::buffer(bytes), use_tuple);
  else if (is_unix_) io = co_await asio::async_write(unix_, asio::buffer(bytes), use_tuple);
  else io = co_await asio::async_write(tcp_, asio::buffer(bytes), use_tuple);
  co_return timed_out_or(std::get<0>(io));
}

asio::awaitable<boost::system::error_code> Stream::read_some(std::string_view& fresh, Clock::time_point deadline) {
  watch_.arm(deadline);
  if (watch_.expired()) co_return asio::error::timed_out;
  // (No co_await inside a conditional expression: g++ 12 miscompiles that.)
  if (tls_ || is_unix_) {
    std::tuple<boost::system::error_code, std::size_t> io;
    if (tls_) io = co_await tls_->async_read_some(asio::buffer(buffer_), use_tuple);
    else io = co_await unix_.async_read_some(asio::buffer(buffer_), use_tuple);
    arrived_ = Clock::now();
    fresh = std::string_view(buffer_.data(), std::get<1>(io));
    co_return timed_out_or(std::get<0>(io));
  }
  // Plain TCP: stamped with the kernel's arrival time (stamped_read.hpp).
  for (;;) {
    auto [ec] = co_await tcp_.async_wait(tcp::socket::wait_read, use_tuple);
    if (ec) co_return timed_out_or(ec);
    const StampedRead read = receive_stamped(tcp_, buffer_);
    if (read.ec == asio::error::would_block) continue;  // woken for nothing
    if (read.ec) co_return timed_out_or(read.ec);
    arrived_ = read.arrived;
    fresh = std::string_view(buffer_.data(), read.bytes);
    co_return read.ec;
  }
}

boost::system::error_code Stream::timed_out_or(boost::system::error_code ec) const {
  return ec && watch_.expired() ? asio::error::timed_out : ec;
}

asio::awaitable<TlsUpgrade> Stream::upgrade_to_tls(ssl::context& context, const std::string& server_name,
                                                   bool insecure_skip_verify, Clock::time_point deadline,
                                                   std::optional<TlsFacts>& facts) {
  TlsUpgrade upgrade;
  if (is_unix_) {
    upgrade.failure = Failure::tls_handshake;
    upgrade.detail = "TLS over a Unix socket is not supported";
    co_return upgrade;
  }
  tls_ = std::make_unique<ssl::stream<tcp::socket&>>(tcp_, context);
  prepare_tls(tls_->native_handle(), server_name, insecure_skip_verify);
  watch_.arm(deadline);
  boost::system::error_code ec = asio::error::operation_aborted;
  if (!watch_.expired()) std::tie(ec) = co_await tls_->async_handshake(ssl::stream_base::client, use_tuple);
  if (ec && watch_.expired()) {
    upgrade.failure = Failure::tls_handshake;
    upgrade.detail = "TLS handshake timed out";
    transcript_.note(upgrade.detail);
    co_return upgrade;
  }
  const std::string unverified = verify_error(tls_->native_handle());
  if (ec) {
    // Only a handshake that verification stopped is tls_verify: with insecure_skip_verify
    // nothing is stopped for it, and a server that aborts (an alert) is a handshake failure
    // whatever the verification said.
    if (!insecure_skip_verify && !unverified.empty()) {
      facts = read_tls_facts(tls_->native_handle());  // an expired certificate is exactly what to show
      upgrade.failure = Failure::tls_verify;
      upgrade.detail = "certificate not verified for " + server_name + ": " + unverified;
    } else {
      upgrade.failure = Failure::tls_handshake;
      upgrade.detail = "TLS handshake failed: " + ec.message();
    }
    transcript_.note(upgrade.detail);
    co_return upgrade;
  }
  facts = read_tls_facts(tls_->native_handle());
  if (transcript_.enabled()) {  // the text is built only when someone reads it
    transcript_.note("TLS established: " + facts->version + ", " + facts->cipher + ", certificate " +
                     (facts->verified ? "verified" : "NOT verified (" + unverified + ")"));
  }
  co_return upgrade;
}

std::vector<std::string> Stream::peer_chain_der() const {
  std::vector<std::string> chain;
  if (!tls_) return chain;
  STACK_OF(X509)* certificates = SSL_get_peer_cert_chain(tls_->native_handle());
  for (int i = 0; certificates != nullptr && i < sk_X509_num(certificates); ++i) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(sk_X509_value(certificates, i), &der);
    if (length <= 0) continue;
    chain.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
  }
  return chain;
}

void Stream::close() {
  boost::system::error_code ignored;
  if (is_unix_) unix_.close(ignored);
  else tcp_.close(ignored);
}

}  // namespace smtp_exporter::prober
