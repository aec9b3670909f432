#include "prober/prober.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "prober/stamped_read.hpp"
#include "prober/tls.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::prober {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Bytes read from the socket at a time (replies longer than that take several reads).
constexpr std::size_t kReadBuffer = 4096;

// How long QUIT may wait for its 221: politeness, not part of the verdict.
constexpr auto kQuitWait = std::chrono::seconds(1);

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Transcript text: printable ASCII as is, everything else as \xNN.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

enum class ReadStatus { ok, timeout, closed, malformed };

struct ReadOutcome {
  ReadStatus status = ReadStatus::closed;
  smtp::Reply reply;
  std::string detail;
  Clock::time_point at;  // when the bytes that completed the reply arrived
};

// One timer per session instead of one per operation: when the armed deadline passes, it
// cancels whatever the socket is doing, and that operation reports a timeout. It lives in a
// shared block because its handler may run after the session has gone.
struct Watchdog {
  explicit Watchdog(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  tcp::socket* socket = nullptr;  // null once the session is gone
  Clock::time_point armed_for = Clock::time_point::min();
  bool expired = false;
};

// The state of one SMTP session: the socket (TLS once started), the reply parser and the
// result being filled.
class Session {
 public:
  Session(const asio::any_io_executor& executor, ProbeResult& result, Clock::time_point start, bool transcript)
      : socket_(executor),
        watchdog_(std::make_shared<Watchdog>(executor)),
        result_(result),
        start_(start),
        transcript_(transcript) {
    watchdog_->socket = &socket_;
  }
  ~Session() {
    watchdog_->socket = nullptr;
    watchdog_->timer.cancel();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Operations from here on end by `deadline`. Re-arming for the same deadline costs nothing.
  void arm(Clock::time_point deadline) {
    if (deadline == watchdog_->armed_for) return;
    watchdog_->armed_for = deadline;
    watchdog_->expired = false;
    watchdog_->timer.expires_at(deadline);
    watchdog_->timer.async_wait([w = watchdog_, deadline](const boost::system::error_code& ec) {
      if (ec || w->armed_for != deadline || !w->socket) return;  // re-armed or gone meanwhile
      w->expired = true;
      boost::system::error_code ignored;
      w->socket->cancel(ignored);
    });
  }
  bool expired() const { return watchdog_->expired; }

  // Connects to one address before `deadline`; an empty error code on success.
  asio::awaitable<boost::system::error_code> connect(const tcp::endpoint& endpoint, Clock::time_point deadline) {
    arm(deadline);
    if (expired()) co_return asio::error::timed_out;
    boost::system::error_code ignored;
    if (socket_.is_open()) socket_.close(ignored);  // a previous address refused
    auto [ec] = co_await socket_.async_connect(endpoint, use_tuple);
    if (ec && expired()) ec = asio::error::timed_out;
    if (!ec) enable_arrival_times(socket_);
    co_return ec;
  }

  void note(std::string text) { log('*', std::move(text)); }

  // Plain TCP reads are stamped with the kernel's arrival time (stamped_read.hpp). The bytes
  // go to pending_ through one buffer for all sessions of the thread: nothing suspends between
  // reading into it and copying out of it.
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> receive() {
    thread_local std::array<char, kReadBuffer> buffer;
    const StampedRead read = co_await read_stamped(socket_, buffer);
    if (!read.ec) {
      arrived_ = read.arrived;
      pending_.append(buffer.data(), read.bytes);
    }
    co_return std::tuple(read.ec, read.bytes);
  }

  // Reads one complete reply (all lines up to the final one) before `deadline`.
  asio::awaitable<ReadOutcome> read_reply(Clock::time_point deadline) {
    for (;;) {
      if (!pending_.empty()) {
        std::size_t used = 0;
        const auto status = parser_.feed(pending_, used);
        pending_.erase(0, used);
        if (status == smtp::ReplyParser::Status::complete) {
          result_.bare_lf_lines = parser_.bare_lf_count();
          smtp::Reply reply = parser_.take();
          log_reply(reply);
          co_return ReadOutcome{ReadStatus::ok, std::move(reply), {}, arrived_};
        }
        if (status == smtp::ReplyParser::Status::error) {
          note("protocol error: " + parser_.error());
          co_return ReadOutcome{ReadStatus::malformed, {}, parser_.error(), Clock::now()};
        }
      }
      arm(deadline);
      // if/else, not ?: — g++ 12 miscompiles co_await in both arms of a conditional.
      std::tuple<boost::system::error_code, std::size_t> io;
      if (expired()) {
        io = {asio::error::operation_aborted, 0};
      } else if (tls_) {
        io = co_await tls_->async_read_some(asio::buffer(*tls_buffer_), use_tuple);
        arrived_ = Clock::now();
        pending_.append(tls_buffer_->data(), std::get<1>(io));
      } else {
        io = co_await receive();
      }
      const auto ec = std::get<0>(io);
      if (ec && expired()) {
        note("timed out waiting for a reply");
        co_return ReadOutcome{ReadStatus::timeout, {}, "timed out waiting for a reply", Clock::now()};
      }
      if (ec) {
        const bool closed = ec == asio::error::eof || ec == ssl::error::stream_truncated;
        const std::string what = closed ? "connection closed by the server" : "read failed: " + ec.message();
        note(what);
        co_return ReadOutcome{ReadStatus::closed, {}, what, Clock::now()};
      }
    }
  }

  // Writes one command line (CRLF added) before `deadline`; false on failure or timeout.
  asio::awaitable<bool> send(std::string line, Clock::time_point deadline) {
    log('>', line);
    line += "\r\n";
    arm(deadline);
    std::tuple<boost::system::error_code, std::size_t> io;
    if (expired()) {
      io = {asio::error::operation_aborted, 0};
    } else if (tls_) {
      io = co_await asio::async_write(*tls_, asio::buffer(line), use_tuple);
    } else {
      io = co_await asio::async_write(socket_, asio::buffer(line), use_tuple);
    }
    auto [ec, n] = io;
    if (ec && expired()) {
      note("timed out writing");
      co_return false;
    }
    if (ec) note("write failed: " + ec.message());
    co_return !ec;
  }

  // Sends a command and reads its reply; a failed write reads as a closed connection.
  asio::awaitable<ReadOutcome> command(std::string line, Clock::time_point deadline) {
    // Plain statements around each co_await: g++ 12 miscompiles some fancier forms.
    const bool sent = co_await send(std::move(line), deadline);
    ReadOutcome outcome;
    if (!sent) {
      outcome.detail = "write failed";
      co_return outcome;
    }
    outcome = co_await read_reply(deadline);
    co_return outcome;
  }

  // Bytes the server sent after its last complete reply, unasked.
  bool has_unread_bytes() const { return !pending_.empty(); }

  // The TLS handshake; on success the session talks TLS from here on and result.tls is set.
  // Returns Failure::none, tls_handshake or tls_verify, with `detail` saying why.
  asio::awaitable<Failure> start_tls(ssl::context& context, const std::string& server_name,
                                     bool insecure_skip_verify, Clock::time_point deadline, std::string& detail) {
    tls_ = std::make_unique<ssl::stream<tcp::socket&>>(socket_, context);
    tls_buffer_ = std::make_unique<std::array<char, kReadBuffer>>();
    prepare_tls(tls_->native_handle(), server_name, insecure_skip_verify);
    arm(deadline);
    std::tuple<boost::system::error_code> io{asio::error::operation_aborted};
    if (!expired()) io = co_await tls_->async_handshake(ssl::stream_base::client, use_tuple);
    auto [ec] = io;
    if (ec && expired()) {
      detail = "TLS handshake timed out";
      note(detail);
      co_return Failure::tls_handshake;
    }
    const std::string unverified = verify_error(tls_->native_handle());
    if (ec) {
      if (!unverified.empty()) {
        // The certificate arrived: keep its facts, an expired one is exactly what to show.
        result_.tls = read_tls_facts(tls_->native_handle());
        detail = "certificate not verified for " + server_name + ": " + unverified;
        note(detail);
        co_return Failure::tls_verify;
      }
      detail = "TLS handshake failed: " + ec.message();
      note(detail);
      co_return Failure::tls_handshake;
    }
    result_.tls = read_tls_facts(tls_->native_handle());
    note("TLS established: " + result_.tls->version + ", " + result_.tls->cipher + ", certificate " +
         (result_.tls->verified ? "verified" : "NOT verified (" + unverified + ")"));
    co_return Failure::none;
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);  // sends the FIN; no shutdown() first, which would be one more system call
  }

 private:
  void log(char direction, std::string text) {
    if (!transcript_) return;
    result_.transcript.push_back({seconds_between(start_, Clock::now()), direction, printable(text)});
  }

  void log_reply(const smtp::Reply& reply) {
    if (!transcript_) return;
    for (std::size_t i = 0; i < reply.lines.size(); ++i) {
      const char sep = i + 1 < reply.lines.size() ? '-' : ' ';
      log('<', std::to_string(reply.code) + sep + reply.lines[i]);
    }
  }

  tcp::socket socket_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;  // set once TLS starts
  std::shared_ptr<Watchdog> watchdog_;
  smtp::ReplyParser parser_;
  std::unique_ptr<std::array<char, kReadBuffer>> tls_buffer_;  // TLS reads land here while suspended
  std::string pending_;  // received bytes not parsed yet
  Clock::time_point arrived_;  // arrival of the last bytes received
  ProbeResult& result_;
  Clock::time_point start_;
  bool transcript_;
};

// Errors of this host, not of the target: opening the socket failed.
bool is_local_resource_error(const boost::system::error_code& ec) {
  namespace errc = boost::system::errc;
  return ec == errc::too_many_files_open || ec == errc::too_many_files_open_in_system ||
         ec == errc::no_buffer_space || ec == errc::not_enough_memory;
}

bool is_helo_fallback_code(int code) {
  return code == 500 || code == 501 || code == 502 || code == 550;
}

}  // namespace

// Asio cannot cancel a getaddrinfo in progress, so the lookup runs on and the caller stops
// waiting for it at the deadline: the lookup's state lives until its handler runs.
asio::awaitable<std::vector<tcp::endpoint>> resolve(const config::HostPort& where, config::IpProtocol family,
                                                    Clock::time_point deadline, std::string& error) {
  std::vector<tcp::endpoint> out;
  const auto wanted = [family](const asio::ip::address& a) {
    return family == config::IpProtocol::any || (family == config::IpProtocol::ip4 && a.is_v4()) ||
           (family == config::IpProtocol::ip6 && a.is_v6());
  };
  boost::system::error_code parse_ec;
  const auto literal = asio::ip::make_address(where.host, parse_ec);
  if (!parse_ec) {  // an address literal needs no lookup
    if (wanted(literal)) out.emplace_back(literal, where.port);
    else error = "address " + where.host + " is not of the configured IP family";
    co_return out;
  }
  struct Lookup {
    explicit Lookup(const asio::any_io_executor& ex) : resolver(ex), done(ex, Clock::time_point::max()) {}
    tcp::resolver resolver;
    asio::steady_timer done;
    boost::system::error_code ec;
    tcp::resolver::results_type results;
    bool finished = false;
  };
  auto lookup = std::make_shared<Lookup>(co_await asio::this_coro::executor);
  lookup->resolver.async_resolve(where.host, std::to_string(where.port), tcp::resolver::numeric_service,
                                 [lookup](const boost::system::error_code& ec, tcp::resolver::results_type results) {
                                   lookup->ec = ec;
                                   lookup->results = std::move(results);
                                   lookup->finished = true;
                                   lookup->done.cancel();
                                 });
  lookup->done.expires_at(deadline);
  co_await lookup->done.async_wait(use_tuple);
  if (!lookup->finished) {
    lookup->resolver.cancel();
    error = "resolving " + where.host + " timed out";
    co_return out;
  }
  for (const auto& entry : lookup->results) {
    if (wanted(entry.endpoint().address())) out.push_back(entry.endpoint());
  }
  if (lookup->ec) error = "resolving " + where.host + ": " + lookup->ec.message();
  else if (out.empty()) error = "no address of the configured IP family for " + where.host;
  co_return out;
}

asio::awaitable<ProbeResult> probe(ProbeRequest request) {
  const config::Module& module = *request.module;
  ProbeResult result;
  const Clock::time_point start = Clock::now();
  const auto executor = co_await asio::this_coro::executor;
  auto phase = [&result](Phase p) -> double& { return result.phase_seconds[static_cast<std::size_t>(p)]; };
  auto since = [](Clock::time_point t) { return seconds_between(t, Clock::now()); };
  const auto finish = [&](Failure f, std::string detail) {
    result.failure = f;
    result.detail = std::move(detail);
    result.total_seconds = since(start);
    return result;
  };

  // Resolve.
  std::string resolve_error;
  auto endpoints = co_await resolve(request.address, module.ip_protocol, request.deadline, resolve_error);
  const Clock::time_point connect_start = Clock::now();
  phase(Phase::resolve) = seconds_between(start, connect_start);
  if (endpoints.empty()) {
    if (request.record_transcript) result.transcript.push_back({phase(Phase::resolve), '*', resolve_error});
    co_return finish(Failure::resolve, resolve_error);
  }

  // Past the QoS deadline (2 x QoS after the connect began) a 250 could only be a failure, so
  // the dialog stops there: that is what tells a QoS warning (5511) from a failure (5509).
  const auto dialog_deadline = std::min(request.deadline, connect_start + 2 * module.qos_timeout);

  // Connect: each address in turn, until one answers.
  Session session(executor, result, start, request.record_transcript);
  bool timed_out = false;
  std::string connect_error;
  for (const auto& endpoint : endpoints) {
    const boost::system::error_code ec = co_await session.connect(endpoint, dialog_deadline);
    if (!ec) {
      result.peer_address = endpoint.address().to_string();
      break;
    }
    if (ec == asio::error::timed_out) {
      timed_out = true;
      connect_error = "connect to " + endpoint.address().to_string() + " timed out";
      break;
    }
    connect_error = "connect to " + endpoint.address().to_string() + ": " + ec.message();
    if (is_local_resource_error(ec)) {
      result.exporter_error = true;
      break;
    }
  }
  const Clock::time_point connected = Clock::now();
  phase(Phase::connect) = seconds_between(connect_start, connected);
  if (result.peer_address.empty()) {
    if (request.record_transcript) result.transcript.push_back({seconds_between(start, connected), '*', connect_error});
    co_return finish(timed_out ? Failure::connect_timeout : Failure::connect_refused, connect_error);
  }

  if (request.record_transcript) {
    session.note("connected to " + result.peer_address + " port " + std::to_string(request.address.port));
  }

  // How the dialog ended: a failure (or none) and whether the server still listens for QUIT.
  struct Ending {
    Failure failure = Failure::none;
    std::string detail;
    bool say_quit = true;
  };
  const auto read_failure = [](const ReadOutcome& r, Failure on_timeout, const std::string& what) {
    return Ending{r.status == ReadStatus::timeout ? on_timeout : Failure::protocol_error, what + ": " + r.detail, false};
  };

  // TLS, for the handshake before the greeting (implicit) or after STARTTLS.
  std::shared_ptr<ssl::context> tls_context = request.tls_context;
  auto handshake = [&]() -> asio::awaitable<Ending> {
    const auto tls_start = Clock::now();
    Ending ending{Failure::none, "", false};
    try {
      if (!tls_context) tls_context = make_tls_context(module.tls_config);
    } catch (const std::exception& e) {
      ending = {Failure::tls_handshake, e.what(), false};
    }
    if (ending.failure != Failure::none) co_return ending;
    const std::string name = module.tls_config.server_name.empty() ? request.address.host : module.tls_config.server_name;
    ending.failure = co_await session.start_tls(*tls_context, name, module.tls_config.insecure_skip_verify,
                                                dialog_deadline, ending.detail);
    phase(Phase::tls) = since(tls_start);
    co_return ending;
  };

  // EHLO, and HELO if the server does not know EHLO and the module allows it. A reply sets the
  // code and the extensions; anything but 250 is the failure returned.
  Clock::time_point last_ehlo_at;  // arrival of the final line of the last EHLO reply
  auto ehlo_exchange = [&]() -> asio::awaitable<Ending> {
    const auto ehlo_start = Clock::now();
    ReadOutcome ehlo = co_await session.command("EHLO " + module.ehlo_name, dialog_deadline);
    if (ehlo.status == ReadStatus::ok && is_helo_fallback_code(ehlo.reply.code) && module.helo_fallback) {
      result.helo_fallback = true;
      ehlo = co_await session.command("HELO " + module.ehlo_name, dialog_deadline);
    }
    phase(Phase::ehlo) += seconds_between(ehlo_start, ehlo.status == ReadStatus::ok ? ehlo.at : Clock::now());
    const std::string verb = result.helo_fallback ? "HELO" : "EHLO";
    if (ehlo.status != ReadStatus::ok) co_return read_failure(ehlo, Failure::ehlo_timeout, verb);
    result.ehlo_code = ehlo.reply.code;
    last_ehlo_at = ehlo.at;
    result.extensions = result.helo_fallback ? std::vector<std::string>{} : smtp::ehlo_keywords(ehlo.reply);
    Ending ending;
    if (ehlo.reply.code != 250) {
      ending = {ehlo.reply.code >= 400 ? Failure::ehlo_rejected : Failure::protocol_error,
                verb + " answered " + std::to_string(ehlo.reply.code), ehlo.reply.code != 421};
    }
    co_return ending;
  };

  // The dialog up to the final 250 of the last EHLO. Failures are returned, never thrown.
  auto dialog = [&]() -> asio::awaitable<Ending> {
    if (module.tls == config::TlsMode::implicit) {
      Ending tls = co_await handshake();
      if (tls.failure != Failure::none) co_return tls;
    }

    // Greeting: read it to its final line; nothing is written before that.
    const ReadOutcome greeting = co_await session.read_reply(dialog_deadline);
    const auto greeting_end = greeting.status == ReadStatus::ok ? greeting.at : Clock::now();
    phase(Phase::greeting) = std::max(0.0, seconds_between(connected, greeting_end) - phase(Phase::tls));
    if (greeting.status != ReadStatus::ok) co_return read_failure(greeting, Failure::greeting_timeout, "greeting");
    result.greeting_code = greeting.reply.code;
    if (greeting.reply.code != 220) {
      // 421: the server is closing already; other refusals (554) still hear QUIT.
      co_return Ending{greeting.reply.code >= 400 ? Failure::greeting_rejected : Failure::protocol_error,
                       "greeting answered " + std::to_string(greeting.reply.code) + " instead of 220",
                       greeting.reply.code != 421};
    }
    const bool banner_ok =
        !module.expect_banner_re || std::regex_search(greeting.reply.lines.front(), *module.expect_banner_re);

    Ending ehlo = co_await ehlo_exchange();
    if (ehlo.failure != Failure::none) co_return ehlo;

    if (module.tls == config::TlsMode::starttls) {
      const auto& ext = result.extensions;
      if (std::find(ext.begin(), ext.end(), "STARTTLS") == ext.end()) {
        co_return Ending{Failure::starttls_not_offered, "STARTTLS is not advertised", true};
      }
      const auto starttls_start = Clock::now();
      const ReadOutcome reply = co_await session.command("STARTTLS", dialog_deadline);
      phase(Phase::starttls) = since(starttls_start);
      if (reply.status != ReadStatus::ok) co_return read_failure(reply, Failure::starttls_rejected, "STARTTLS");
      if (reply.reply.code != 220) {
        co_return Ending{Failure::starttls_rejected, "STARTTLS answered " + std::to_string(reply.reply.code),
                         reply.reply.code != 421};
      }
      if (session.has_unread_bytes()) {  // plaintext injected before TLS (CVE-2011-0411-style)
        co_return Ending{Failure::protocol_error, "data after the STARTTLS reply, before TLS", false};
      }
      Ending tls = co_await handshake();
      if (tls.failure != Failure::none) co_return tls;
      result.extensions.clear();  // RFC 3207: forget what was said before TLS and ask again
      ehlo = co_await ehlo_exchange();
      if (ehlo.failure != Failure::none) co_return ehlo;
    }

    // The QoS latency ends at the final 250 of the last EHLO of the dialog.
    result.ehlo_latency_seconds = seconds_between(connect_start, last_ehlo_at);
    Ending ending;
    if (!banner_ok) ending = {Failure::banner_mismatch, "greeting does not match expect_banner", true};
    co_return ending;
  };

  const Ending ending = co_await dialog();
  if (ending.say_quit) {  // polite goodbye; neither a missing 221 nor its code fails the probe
    const auto quit_start = Clock::now();
    const auto quit_deadline = std::min(request.deadline, quit_start + kQuitWait);
    if (quit_deadline > quit_start) {
      const ReadOutcome ignored = co_await session.command("QUIT", quit_deadline);
      (void)ignored;
    }
    phase(Phase::quit) = since(quit_start);
  }
  session.close();
  co_return finish(ending.failure, ending.detail);
}

}  // namespace smtp_exporter::prober
