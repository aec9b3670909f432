// An in-process SMTP server for the prober tests that really speaks TLS (STARTTLS or implicit),
// one connection at a time in a thread of its own, every wait capped; its certificates come from
// support/certificates.hpp, the files a module reads go into a support/temp_dir.hpp TempDir.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "support/certificates.hpp"
#include "support/session_server.hpp"
#include "support/temp_dir.hpp"

namespace smtp_exporter::test {

// The old name, until tests/prober/tls_test.cpp says TempDir.

struct TlsServerOptions {
  enum class Mode { starttls, implicit };
  Mode mode = Mode::starttls;
  const TestCert* leaf = nullptr;            // the server's certificate and key (required)
  std::vector<const TestCert*> chain;        // sent after the leaf, in this order
  int max_version = 0;                       // e.g. TLS1_2_VERSION; 0: OpenSSL's highest
  // Demands a client certificate, so that a client without one is sent a fatal alert in the
  // middle of the handshake, after it has the server's certificate.
  bool require_client_certificate = false;
  // The EHLO replies before and after TLS (implicit TLS uses `ehlo_after`).
  std::string ehlo_before = "250-mx.example.org\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
  std::string ehlo_after = "250-mx.example.org\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n";
};

struct TlsSessionRecord {
  std::vector<std::string> plain_lines;  // client lines before TLS, with their CRLF
  std::vector<std::string> tls_lines;    // client lines over TLS
  bool handshake_ok = false;
  std::string handshake_error;  // OpenSSL's reason when the handshake failed
  std::string sni;              // the server name the client sent, "" if none
  std::string version;          // negotiated, as SSL_get_version says ("TLSv1.3")
};

// Greeting, EHLO, [STARTTLS, 220,] handshake, EHLO, QUIT -> 221: a well-behaved TLS SMTP
// server on 127.0.0.1. Each read or write waits at most a few seconds.
class TlsSmtpServer {
 public:
  explicit TlsSmtpServer(TlsServerOptions options);  // throws std::runtime_error on setup errors

  std::uint16_t port() const { return server_.port(); }
  // Waits until `count` sessions have ended (at most `cap`), then returns all that have.
  std::vector<TlsSessionRecord> wait_sessions(std::size_t count, Millis cap = Millis(5000)) {
    return server_.wait_sessions(count, cap);
  }
  void stop() { server_.stop(); }  // idempotent; the destructor calls it

 private:
  struct CtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
  };

  TlsSessionRecord serve(Fd connection) const;

  const TlsServerOptions options_;
  const std::unique_ptr<SSL_CTX, CtxFree> ctx_;  // before server_, whose thread uses it
  SessionServer<TlsSessionRecord> server_;
};

}  // namespace smtp_exporter::test
