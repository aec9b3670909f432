#include "prober/tls_server.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <csignal>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <openssl/err.h>

#include "util/text.hpp"

namespace smtp_exporter::test {
namespace {

constexpr int kIoCapSeconds = 3;       // each blocking read or write on a session
constexpr std::size_t kMaxLines = 20;  // per phase of a session
constexpr std::size_t kMaxLine = 4096;

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One byte at a time, so nothing past the line (a ClientHello, say) is taken off the socket.
std::optional<std::string> read_plain_line(int fd) {
  std::string line;
  while (line.size() < kMaxLine) {
    char c = 0;
    if (::recv(fd, &c, 1, 0) != 1) return std::nullopt;
    line += c;
    if (c == '\n') return line;
  }
  return std::nullopt;
}

class TlsLines {
 public:
  explicit TlsLines(SSL* ssl) : ssl_(ssl) {}
  std::optional<std::string> read() {
    for (;;) {
      const auto lf = buffer_.find('\n');
      if (lf != std::string::npos) {
        std::string line = buffer_.substr(0, lf + 1);
        buffer_.erase(0, lf + 1);
        return line;
      }
      if (buffer_.size() > kMaxLine) return std::nullopt;
      char chunk[1024];
      const int n = SSL_read(ssl_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  bool write(std::string_view bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }

 private:
  SSL* ssl_;
  std::string buffer_;
};

std::string verb_of(const std::string& line) {
  std::string verb;
  for (char c : line) {
    if (c == ' ' || c == '\r' || c == '\n') break;
    verb += util::to_upper(c);
  }
  return verb;
}

const std::string kGreeting = "220 mx.example.org ESMTP test server\r\n";

// The server's certificate, chain and protocol limits.
SSL_CTX* make_context(const TlsServerOptions& options) {
  if (options.leaf == nullptr) throw std::invalid_argument("TlsSmtpServer needs a leaf certificate");
  std::signal(SIGPIPE, SIG_IGN);  // SSL_write to a client that left must not end the test
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) throw std::runtime_error(openssl_error("SSL_CTX_new"));
  check_openssl(SSL_CTX_use_certificate(ctx.get(), options.leaf->cert()), "SSL_CTX_use_certificate");
  check_openssl(SSL_CTX_use_PrivateKey(ctx.get(), options.leaf->key()), "SSL_CTX_use_PrivateKey");
  for (const TestCert* c : options.chain) {
    // SSL_CTX_add1_chain_cert() without the macro's C-style cast.
    if (SSL_CTX_ctrl(ctx.get(), SSL_CTRL_CHAIN_CERT, 1, c->cert()) != 1) {
      throw std::runtime_error(openssl_error("SSL_CTX_add1_chain_cert"));
    }
  }
  if (options.max_version != 0 &&
      SSL_CTX_ctrl(ctx.get(), SSL_CTRL_SET_MAX_PROTO_VERSION, options.max_version, nullptr) != 1) {
    throw std::runtime_error(openssl_error("SSL_CTX_set_max_proto_version"));
  }
  if (options.require_client_certificate) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return ctx.release();
}

}  // namespace

TlsSmtpServer::TlsSmtpServer(TlsServerOptions options)
    : options_(std::move(options)),
      ctx_(make_context(options_)),
      server_("127.0.0.1", [this](Fd connection, const std::atomic<bool>& /*stopping*/) {
        return serve(std::move(connection));  // every read and write is capped instead
      }) {}

TlsSessionRecord TlsSmtpServer::serve(Fd connection) const {
  const int fd = connection.get();
  const timeval cap{kIoCapSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &cap, sizeof cap);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &cap, sizeof cap);
  TlsSessionRecord record;
  const bool implicit = options_.mode == TlsServerOptions::Mode::implicit;
  if (!implicit) {  // the plaintext part, up to STARTTLS
    if (!send_all(fd, kGreeting)) return record;
    bool go_tls = false;
    for (std::size_t i = 0; i < kMaxLines && !go_tls; ++i) {
      auto line = read_plain_line(fd);
      if (!line) return record;
      record.plain_lines.push_back(*line);
      const std::string verb = verb_of(*line);
      std::string reply = "502 5.5.2 not implemented\r\n";
      if (verb == "EHLO") reply = options_.ehlo_before;
      if (verb == "STARTTLS") reply = "220 2.0.0 Ready to start TLS\r\n", go_tls = true;
      if (verb == "QUIT") reply = "221 2.0.0 bye\r\n";
      if (!send_all(fd, reply) || verb == "QUIT") return record;
    }
    if (!go_tls) return record;
  }

  SSL* ssl = SSL_new(ctx_.get());
  if (ssl == nullptr) {
    record.handshake_error = openssl_error("SSL_new");
    return record;
  }
  SSL_set_fd(ssl, fd);
  ERR_clear_error();
  if (SSL_accept(ssl) != 1) {
    record.handshake_error = openssl_error("SSL_accept");
    SSL_free(ssl);
    return record;
  }
  record.handshake_ok = true;
  record.version = SSL_get_version(ssl);
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) record.sni = sni;

  TlsLines tls(ssl);
  bool done = implicit ? !tls.write(kGreeting) : false;
  for (std::size_t i = 0; i < kMaxLines && !done; ++i) {
    auto line = tls.read();
    if (!line) break;
    record.tls_lines.push_back(*line);
    const std::string verb = verb_of(*line);
    std::string reply = "502 5.5.2 not implemented\r\n";
    if (verb == "EHLO") reply = options_.ehlo_after;
    if (verb == "QUIT") reply = "221 2.0.0 bye\r\n";
    done = !tls.write(reply) || verb == "QUIT";
  }
  SSL_shutdown(ssl);  // close_notify; the client may have gone already
  SSL_free(ssl);
  ERR_clear_error();
  return record;
}

}  // namespace smtp_exporter::test
