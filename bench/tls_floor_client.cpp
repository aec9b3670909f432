// The floor for a STARTTLS probe: a bare Asio + OpenSSL client that runs the same session as the
// exporter's STARTTLS module (connect, final 220 line, EHLO, final 250 line with STARTTLS among
// the extensions, STARTTLS, 220, a full TLS handshake that verifies the chain against CA_FILE and
// the certificate against SERVER_NAME, EHLO again, final 250, QUIT, 221 or close) and nothing
// else: no config, no metrics, no timers, no HTTP. Prints one JSON line with its own CPU time per
// session (the scheduler's run time), which bench/run.sh (part 7) compares with the exporter's
// CPU per probe and with blackbox_exporter's.
//   smtp_exporter_bench_tls_floor_client HOST PORT SESSIONS CONCURRENCY CA_FILE SERVER_NAME [MODE]
// MODE: full (the default: a full handshake per session, as the exporter does); facts (full, and
// the leaf's facts read as the exporter reads them: notAfter of the leaf and the presented chain,
// subject and issuer CN, serial, SHA-256 fingerprint); resume (each session offers the newest
// session ticket the server gave: what the exporter does NOT do, shown only to say what a full
// handshake costs).
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;

namespace {

// The process's CPU time: /proc/self/schedstat is the scheduler's exact run time (as in
// floor_client.cpp); rusage, sampled at the timer tick, is only the fallback.
double cpu_seconds() {
  if (std::FILE* f = std::fopen("/proc/self/schedstat", "r")) {
    unsigned long long ns = 0;
    const int got = std::fscanf(f, "%llu", &ns);
    std::fclose(f);
    if (got == 1) return static_cast<double>(ns) / 1e9;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

enum class Mode { full, facts, resume };

struct Reply {
  int code = 0;
  bool starttls = false;  // a line of the reply is "250-STARTTLS" or "250 STARTTLS"
};

// Reads lines until the final one of a reply (its code followed by a space).
template <typename Stream>
asio::awaitable<Reply> read_reply(Stream& stream, std::string& buffer) {
  Reply reply;
  for (;;) {
    const std::size_t n = co_await asio::async_read_until(stream, asio::dynamic_buffer(buffer), '\n', asio::use_awaitable);
    std::string_view line(buffer.data(), n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    const bool final_line = line.size() < 4 || line[3] == ' ';
    if (line.size() >= 3) std::from_chars(line.data(), line.data() + 3, reply.code);
    if (line.size() == 12 && (line.substr(3) == "-STARTTLS" || line.substr(3) == " STARTTLS")) reply.starttls = true;
    buffer.erase(0, n);
    if (final_line) co_return reply;
  }
}

template <typename Stream>
asio::awaitable<void> send(Stream& stream, std::string_view line) {
  co_await asio::async_write(stream, asio::buffer(line), asio::use_awaitable);
}

// What the exporter reads of the leaf after each handshake (prober/tls.cpp, read_tls_facts), for
// MODE facts. Returns a value that depends on all of it, so that none is optimised away.
std::size_t read_facts(SSL* ssl) {
  std::size_t sum = std::string_view(SSL_get_version(ssl)).size() + std::string_view(SSL_get_cipher_name(ssl)).size();
  X509* leaf = SSL_get1_peer_certificate(ssl);
  if (leaf == nullptr) return sum;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1) sum += static_cast<std::size_t>(timegm(&tm));
  for (const X509_NAME* name : {X509_get_subject_name(leaf), X509_get_issuer_name(leaf)}) {
    const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0) continue;
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (len > 0) sum += std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len)).size();
    OPENSSL_free(utf8);
  }
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr)) {
    char* hex = BN_bn2hex(bn);
    if (hex != nullptr) sum += std::string_view(hex).size();
    OPENSSL_free(hex);
    BN_free(bn);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(leaf, EVP_sha256(), digest, &size) == 1) sum += digest[0];
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      if (ASN1_TIME_to_tm(X509_get0_notAfter(sk_X509_value(chain, i)), &tm) == 1) sum += static_cast<std::size_t>(tm.tm_year);
    }
  }
  X509_free(leaf);
  return sum;
}

// MODE resume: the newest session the server gave a ticket for (TLS 1.3 tickets come after the
// handshake; OpenSSL hands them to this callback of the context).
SSL_SESSION* newest_session = nullptr;
int keep_session(SSL* /*ssl*/, SSL_SESSION* session) {
  if (newest_session != nullptr) SSL_SESSION_free(newest_session);
  newest_session = session;
  return 1;  // the reference is ours now
}

struct Counters {
  int left = 0;
  int ok = 0;
  int failed = 0;
  int resumed = 0;
  std::size_t facts = 0;
  std::string version;  // of the last handshake, for the record
  std::string cipher;
  std::string last_error;
};

struct Setup {
  tcp::endpoint endpoint;
  ssl::context* context = nullptr;
  std::string server_name;
  Mode mode = Mode::full;
};

asio::awaitable<void> worker(const Setup& setup, Counters& counters) {
  auto executor = co_await asio::this_coro::executor;
  std::string buffer;
  constexpr std::string_view ehlo = "EHLO bench.example.org\r\n";
  while (counters.left > 0) {
    --counters.left;
    bool good = false;
    try {
      tcp::socket socket(executor);
      co_await socket.async_connect(setup.endpoint, asio::use_awaitable);
      buffer.clear();
      good = (co_await read_reply(socket, buffer)).code == 220;
      co_await send(socket, ehlo);
      const Reply first = co_await read_reply(socket, buffer);
      good = good && first.code == 250 && first.starttls;
      co_await send(socket, "STARTTLS\r\n");
      good = good && (co_await read_reply(socket, buffer)).code == 220 && buffer.empty();
      if (good) {
        ssl::stream<tcp::socket&> tls(socket, *setup.context);
        SSL* native = tls.native_handle();
        // As prober/tls.cpp's prepare_tls: SNI and the name checked, or the IP address SAN.
        boost::system::error_code not_ip;
        asio::ip::make_address(setup.server_name, not_ip);
        X509_VERIFY_PARAM* param = SSL_get0_param(native);
        if (not_ip) {
          SSL_ctrl(native, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(setup.server_name.c_str()));
          X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
          X509_VERIFY_PARAM_set1_host(param, setup.server_name.c_str(), setup.server_name.size());
        } else {
          X509_VERIFY_PARAM_set1_ip_asc(param, setup.server_name.c_str());
        }
        SSL_set_verify(native, SSL_VERIFY_PEER, nullptr);
        if (setup.mode == Mode::resume && newest_session != nullptr) SSL_set_session(native, newest_session);
        co_await tls.async_handshake(ssl::stream_base::client, asio::use_awaitable);
        good = SSL_get_verify_result(native) == X509_V_OK;
        if (SSL_session_reused(native) == 1) ++counters.resumed;
        if (setup.mode == Mode::facts) counters.facts += read_facts(native);
        co_await send(tls, ehlo);
        good = good && (co_await read_reply(tls, buffer)).code == 250;
        co_await send(tls, "QUIT\r\n");
        try {
          co_await read_reply(tls, buffer);
        } catch (const boost::system::system_error&) {
          // a server that closes after QUIT is fine
        }
        counters.version = SSL_get_version(native);
        counters.cipher = SSL_get_cipher_name(native);
      }
      // Closed with the socket (no close_notify), as the exporter does.
    } catch (const boost::system::system_error& e) {
      good = false;
      counters.last_error = e.code().message();
    }
    if (good) {
      ++counters.ok;
    } else {
      ++counters.failed;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7 || argc > 8) {
    std::fprintf(stderr, "usage: %s HOST PORT SESSIONS CONCURRENCY CA_FILE SERVER_NAME [full|facts|resume]\n", argv[0]);
    return 2;
  }
  Setup setup;
  setup.endpoint = tcp::endpoint(asio::ip::make_address(argv[1]), static_cast<unsigned short>(std::atoi(argv[2])));
  Counters counters;
  counters.left = std::atoi(argv[3]);
  const int concurrency = std::atoi(argv[4]);
  setup.server_name = argv[6];
  const std::string_view mode = argc == 8 ? argv[7] : "full";
  setup.mode = mode == "facts" ? Mode::facts : mode == "resume" ? Mode::resume : Mode::full;
  // As prober/tls.cpp's make_tls_context: one client context for all sessions, TLS 1.2 at least,
  // the CA file as the trust store.
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  if (SSL_CTX_load_verify_locations(context.native_handle(), argv[5], nullptr) != 1) {
    std::fprintf(stderr, "cannot load %s\n", argv[5]);
    return 2;
  }
  if (setup.mode == Mode::resume) {
    SSL_CTX_set_session_cache_mode(context.native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(context.native_handle(), keep_session);
  }
  setup.context = &context;
  // As the exporter: one thread runs it, only the queue is locked.
  asio::io_context io(static_cast<int>(BOOST_ASIO_CONCURRENCY_HINT_ID | BOOST_ASIO_CONCURRENCY_HINT_LOCKING_SCHEDULER));
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < concurrency; ++i) asio::co_spawn(io, worker(setup, counters), asio::detached);
  io.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  const int sessions = counters.ok + counters.failed;
  std::printf("{\"sessions\": %d, \"ok\": %d, \"failed\": %d, \"resumed\": %d, \"mode\": \"%s\", \"wall_s\": %.3f, "
              "\"cpu_s\": %.4f, \"cpu_us_per_session\": %.2f, \"tls_version\": \"%s\", \"cipher\": \"%s\", "
              "\"last_error\": \"%s\", \"facts_checksum\": %zu}\n",
              sessions, counters.ok, counters.failed, counters.resumed, std::string(mode).c_str(), wall, cpu,
              sessions ? 1e6 * cpu / sessions : 0.0, counters.version.c_str(), counters.cipher.c_str(),
              counters.last_error.c_str(), counters.facts);
  return counters.failed == 0 ? 0 : 1;
}
