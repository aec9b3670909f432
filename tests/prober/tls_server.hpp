// TLS for the prober tests: certificates made at test time with OpenSSL (a private CA and
// leaves with chosen names and dates), a temporary folder for the files a module reads, and an
// in-process SMTP server that really speaks TLS (STARTTLS or implicit), one connection at a
// time in a thread of its own, every wait capped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>

#include "prober/scripted_server.hpp"

namespace smtp_exporter::test {

namespace detail {
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
}  // namespace detail

// A certificate and its private key (EC P-256), with the facts a test compares against.
class TestCert {
 public:
  // A CA certificate (CA:TRUE, keyCertSign) for "CN=<common_name>", self-signed.
  static TestCert authority(const std::string& common_name, std::time_t not_before, std::time_t not_after);
  // A server certificate for "CN=<common_name>" with subjectAltName `sans` ("DNS:localhost,IP:127.0.0.1"),
  // signed by `issuer`, or self-signed when issuer is null.
  static TestCert leaf(const std::string& common_name, const std::string& sans, const TestCert* issuer,
                       std::time_t not_before, std::time_t not_after);

  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }
  std::time_t not_after() const { return not_after_; }
  const std::string& common_name() const { return common_name_; }
  const std::string& serial_hex() const { return serial_hex_; }  // upper case, as `openssl x509 -serial`
  std::string sha256_fingerprint() const;                          // of the DER, lower-case hex
  std::string pem() const;

 private:
  std::unique_ptr<X509, detail::X509Free> cert_;
  std::unique_ptr<EVP_PKEY, detail::PkeyFree> key_;
  std::time_t not_after_ = 0;
  std::string common_name_;
  std::string serial_hex_;
};

// Now, in whole seconds, plus `days` (negative: in the past).
std::time_t days_from_now(int days);

// A fresh folder under the system's temporary folder, removed with everything in it.
class TlsTempDir {
 public:
  TlsTempDir();
  ~TlsTempDir();
  TlsTempDir(const TlsTempDir&) = delete;
  TlsTempDir& operator=(const TlsTempDir&) = delete;
  TlsTempDir(TlsTempDir&&) = delete;
  TlsTempDir& operator=(TlsTempDir&&) = delete;
  // Writes text to <folder>/name; returns the full path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

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
  ~TlsSmtpServer();
  TlsSmtpServer(const TlsSmtpServer&) = delete;
  TlsSmtpServer& operator=(const TlsSmtpServer&) = delete;
  TlsSmtpServer(TlsSmtpServer&&) = delete;
  TlsSmtpServer& operator=(TlsSmtpServer&&) = delete;

  std::uint16_t port() const { return port_; }
  // Waits until `count` sessions have ended (at most `cap`), then returns all that have.
  std::vector<TlsSessionRecord> wait_sessions(std::size_t count, Millis cap = Millis(5000));
  void stop();  // idempotent; the destructor calls it

 private:
  void run();
  TlsSessionRecord serve(int fd);

  TlsServerOptions options_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable ended_;
  std::vector<TlsSessionRecord> sessions_;
  std::thread thread_;
};

}  // namespace smtp_exporter::test
