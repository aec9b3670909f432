#include "prober/tls_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace smtp_exporter::test {
namespace {

std::string openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return what + ": " + buf;
}

void check(int ok, const std::string& what) {
  if (ok != 1) throw std::runtime_error(openssl_error(what));
}

void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error(openssl_error("extension " + value));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok, "X509_add_ext " + value);
}

std::string hex(const unsigned char* data, std::size_t size, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

}  // namespace

std::time_t days_from_now(int days) { return std::time(nullptr) + static_cast<std::time_t>(days) * 86400; }

namespace {

struct MadeCert {
  std::unique_ptr<X509, detail::X509Free> cert;
  std::unique_ptr<EVP_PKEY, detail::PkeyFree> key;
  std::string serial_hex;
};

// One body for CAs and leaves: the extensions differ, and who signs.
MadeCert make_cert(const std::string& common_name, const std::string& sans, bool is_ca, const TestCert* issuer,
                   std::time_t not_before, std::time_t not_after) {
  MadeCert out;
  out.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!out.key) throw std::runtime_error(openssl_error("EC key generation"));
  out.cert.reset(X509_new());
  if (!out.cert) throw std::runtime_error(openssl_error("X509_new"));
  X509* cert = out.cert.get();
  check(X509_set_version(cert, 2), "X509_set_version");
  // 64 bits with the top nibble set: BN_bn2hex and `openssl x509 -serial` print all 16 digits.
  std::random_device rd;
  const std::uint64_t serial = (std::uint64_t{rd()} << 32 | rd()) | (std::uint64_t{1} << 60);
  check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial), "serial");
  for (int shift = 60; shift >= 0; shift -= 4) out.serial_hex += "0123456789ABCDEF"[(serial >> shift) & 15];
  if (ASN1_TIME_set(X509_getm_notBefore(cert), not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), not_after) == nullptr) {
    throw std::runtime_error(openssl_error("validity"));
  }
  X509_NAME* name = X509_get_subject_name(cert);
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
        "subject");
  X509* signer_cert = issuer != nullptr ? issuer->cert() : cert;
  EVP_PKEY* signer_key = issuer != nullptr ? issuer->key() : out.key.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(signer_cert)), "issuer");
  check(X509_set_pubkey(cert, out.key.get()), "X509_set_pubkey");
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, signer_cert, cert, nullptr, nullptr, 0);
  if (is_ca) {
    add_extension(cert, ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert, ctx, NID_basic_constraints, "CA:FALSE");
    add_extension(cert, ctx, NID_ext_key_usage, "serverAuth");
    if (!sans.empty()) add_extension(cert, ctx, NID_subject_alt_name, sans);
  }
  if (X509_sign(cert, signer_key, EVP_sha256()) <= 0) throw std::runtime_error(openssl_error("X509_sign"));
  return out;
}

}  // namespace

TestCert TestCert::authority(const std::string& common_name, std::time_t not_before, std::time_t not_after) {
  MadeCert made = make_cert(common_name, "", true, nullptr, not_before, not_after);
  TestCert out;
  out.cert_ = std::move(made.cert);
  out.key_ = std::move(made.key);
  out.serial_hex_ = std::move(made.serial_hex);
  out.not_after_ = not_after;
  out.common_name_ = common_name;
  return out;
}

TestCert TestCert::leaf(const std::string& common_name, const std::string& sans, const TestCert* issuer,
                        std::time_t not_before, std::time_t not_after) {
  MadeCert made = make_cert(common_name, sans, false, issuer, not_before, not_after);
  TestCert out;
  out.cert_ = std::move(made.cert);
  out.key_ = std::move(made.key);
  out.serial_hex_ = std::move(made.serial_hex);
  out.not_after_ = not_after;
  out.common_name_ = common_name;
  return out;
}

std::string TestCert::sha256_fingerprint() const {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert_.get(), &der);
  if (len <= 0) throw std::runtime_error(openssl_error("i2d_X509"));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const int ok = EVP_Digest(der, static_cast<std::size_t>(len), digest, &size, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  check(ok, "EVP_Digest");
  return hex(digest, size, false);
}

std::string TestCert::pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_X509(bio, cert_.get()) != 1) {
    BIO_free(bio);
    throw std::runtime_error(openssl_error("PEM_write_bio_X509"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

TlsTempDir::TlsTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "smtp_exporter_tls_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  path_ = pattern;
}

TlsTempDir::~TlsTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TlsTempDir::write(const std::string& name, const std::string& text) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
  return file.string();
}

// ---- the server ----

namespace {

using Clock = std::chrono::steady_clock;
constexpr Millis kSlice{20};                    // longest poll(), so stop() is noticed
constexpr int kIoCapSeconds = 3;                // each blocking read or write on a session
constexpr std::size_t kMaxLines = 20;           // per phase of a session
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
    verb += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return verb;
}

const std::string kGreeting = "220 mx.example.org ESMTP test server\r\n";

}  // namespace

TlsSmtpServer::TlsSmtpServer(TlsServerOptions options) : options_(std::move(options)) {
  if (options_.leaf == nullptr) throw std::invalid_argument("TlsSmtpServer needs a leaf certificate");
  std::signal(SIGPIPE, SIG_IGN);  // SSL_write to a client that left must not end the test
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr) throw std::runtime_error(openssl_error("SSL_CTX_new"));
  try {
    check(SSL_CTX_use_certificate(ctx_, options_.leaf->cert()), "SSL_CTX_use_certificate");
    check(SSL_CTX_use_PrivateKey(ctx_, options_.leaf->key()), "SSL_CTX_use_PrivateKey");
    for (const TestCert* c : options_.chain) {
      // SSL_CTX_add1_chain_cert() without the macro's C-style cast.
      if (SSL_CTX_ctrl(ctx_, SSL_CTRL_CHAIN_CERT, 1, c->cert()) != 1) {
        throw std::runtime_error(openssl_error("SSL_CTX_add1_chain_cert"));
      }
    }
    if (options_.max_version != 0 &&
        SSL_CTX_ctrl(ctx_, SSL_CTRL_SET_MAX_PROTO_VERSION, options_.max_version, nullptr) != 1) {
      throw std::runtime_error(openssl_error("SSL_CTX_set_max_proto_version"));
    }
    if (options_.require_client_certificate) {
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    listen_fd_ = fd;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0 || ::listen(fd, 16) != 0) {
      throw std::system_error(errno, std::generic_category(), "bind/listen 127.0.0.1");
    }
    socklen_t len = sizeof sin;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
  } catch (...) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    SSL_CTX_free(ctx_);
    throw;
  }
  thread_ = std::thread([this] { run(); });
}

TlsSmtpServer::~TlsSmtpServer() {
  stop();
  SSL_CTX_free(ctx_);
}

void TlsSmtpServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

std::vector<TlsSessionRecord> TlsSmtpServer::wait_sessions(std::size_t count, Millis cap) {
  std::unique_lock lock(mutex_);
  ended_.wait_for(lock, cap, [&] { return sessions_.size() >= count; });
  return sessions_;
}

void TlsSmtpServer::run() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(kSlice.count())) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const timeval cap{kIoCapSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &cap, sizeof cap);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &cap, sizeof cap);
    TlsSessionRecord record = serve(fd);
    ::close(fd);
    {
      std::lock_guard lock(mutex_);
      sessions_.push_back(std::move(record));
    }
    ended_.notify_all();
  }
}

TlsSessionRecord TlsSmtpServer::serve(int fd) {
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

  SSL* ssl = SSL_new(ctx_);
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
