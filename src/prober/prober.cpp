#include "prober/prober.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <optional>
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

#include "prober/deadlines.hpp"
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

// An address as text: IPv4 written here (asio's to_string goes through inet_ntop and sprintf).
std::string address_text(const asio::ip::address& address) {
  if (!address.is_v4()) return address.to_string();
  std::string out;
  for (const unsigned char octet : address.to_v4().to_bytes()) {
    if (!out.empty()) out += '.';
    if (octet >= 100) out += static_cast<char>('0' + octet / 100);
    if (octet >= 10) out += static_cast<char>('0' + octet / 10 % 10);
    out += static_cast<char>('0' + octet % 10);
  }
  return out;
}

// Writes what the socket takes now, without waiting (MSG_DONTWAIT): the count written.
std::size_t send_available(tcp::socket& socket, std::string_view data, boost::system::error_code& ec) {
  ssize_t n = -1;
  do {
    n = ::send(socket.native_handle(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return static_cast<std::size_t>(n);
  if (errno != EAGAIN && errno != EWOULDBLOCK) ec = boost::system::error_code(errno, boost::system::system_category());
  return 0;
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

// A read that ended without a reply. (A function, not a braced temporary in co_return: g++ 12
// mishandles those in coroutines.)
ReadOutcome failed_read(ReadStatus status, std::string detail) {
  ReadOutcome outcome;
  outcome.status = status;
  outcome.detail = std::move(detail);
  outcome.at = Clock::now();
  return outcome;
}

// The state of one SMTP session: the socket (TLS once started), the reply parser and the
// result being filled.
class Session {
 public:
  Session(const asio::any_io_executor& executor, ProbeResult& result, Clock::time_point start, bool transcript)
      : socket_(executor), watch_(socket_), result_(result), start_(start), transcript_(transcript) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Operations from here on end by `deadline`: when it passes, whatever the socket is doing is
  // cancelled and reports a timeout (deadlines.hpp). Re-arming for the same deadline costs nothing.
  void arm(Clock::time_point deadline) { watch_.arm(deadline); }
  bool expired() const { return watch_.expired(); }

  // Starts connecting to one address (closing the socket of one that refused before): the
  // caller awaits it, before the armed deadline, and hands its error code to connected().
  auto connect(const tcp::endpoint& endpoint) {
    boost::system::error_code ignored;
    if (socket_.is_open()) socket_.close(ignored);
    return socket_.async_connect(endpoint, use_tuple);
  }
  // The connect's error code, timed_out if its deadline stopped it; empty once connected.
  boost::system::error_code connected(boost::system::error_code ec) {
    if (ec && expired()) return asio::error::timed_out;
    if (!ec) enable_arrival_times(socket_);
    return ec;
  }

  void note(std::string text) { log('*', std::move(text)); }

  // Reads one complete reply (all lines up to the final one) before `deadline`.
  asio::awaitable<ReadOutcome> read_reply(Clock::time_point deadline) {
    return exchange(std::string_view(), std::string_view(), deadline);
  }

  // Writes one command line, "verb[ argument]" and CRLF, before `deadline`, then reads its
  // reply; a failed write reads as a closed connection.
  asio::awaitable<ReadOutcome> command(std::string_view verb, std::string_view argument,
                                       Clock::time_point deadline) {
    return exchange(verb, argument, deadline);
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
  // The command (none before the greeting) and its reply, in one coroutine.
  asio::awaitable<ReadOutcome> exchange(std::string_view verb, std::string_view argument,
                                        Clock::time_point deadline) {
    arm(deadline);
    if (!verb.empty()) {
      boost::system::error_code ec = send_now(verb, argument);
      if (!ec && !line_.empty()) {  // the socket did not take it all: wait for the rest
        std::tuple<boost::system::error_code, std::size_t> io;
        if (tls_) {
          io = co_await asio::async_write(*tls_, asio::buffer(line_), use_tuple);
        } else {
          io = co_await asio::async_write(socket_, asio::buffer(line_), use_tuple);
        }
        ec = std::get<0>(io);
      }
      if (ec) {
        note(expired() ? "timed out writing" : "write failed: " + ec.message());
        co_return failed_read(ReadStatus::closed, "write failed");
      }
    }
    // Plain TCP reads are stamped with the kernel's arrival time (stamped_read.hpp) and land
    // in one buffer for all sessions of the thread, TLS reads in the session's own: either way
    // the parser reads them where they are (nothing suspends in between), and only bytes after
    // a complete reply are kept, in pending_.
    thread_local std::array<char, kReadBuffer> buffer;
    std::string_view fresh;  // bytes just read, not parsed yet
    for (;;) {
      if (!fresh.empty() && !pending_.empty()) {
        pending_.append(fresh);
        fresh = {};
      }
      const std::string_view input = pending_.empty() ? fresh : std::string_view(pending_);
      if (!input.empty()) {
        std::size_t used = 0;
        const auto status = parser_.feed(input, used);
        if (pending_.empty()) pending_.assign(input.substr(used));  // usually nothing is left
        else pending_.erase(0, used);
        fresh = {};
        if (status == smtp::ReplyParser::Status::complete) {
          result_.bare_lf_lines = parser_.bare_lf_count();
          ReadOutcome outcome{ReadStatus::ok, parser_.take(), {}, arrived_};
          log_reply(outcome.reply);
          co_return outcome;
        }
        if (status == smtp::ReplyParser::Status::error) {
          note("protocol error: " + parser_.error());
          co_return failed_read(ReadStatus::malformed, parser_.error());
        }
      }
      arm(deadline);
      boost::system::error_code ec;
      if (expired()) {
        ec = asio::error::operation_aborted;
      } else if (tls_) {
        auto [read_ec, n] = co_await tls_->async_read_some(asio::buffer(*tls_buffer_), use_tuple);
        ec = read_ec;
        arrived_ = Clock::now();
        fresh = std::string_view(tls_buffer_->data(), n);
      } else {
        auto [wait_ec] = co_await socket_.async_wait(tcp::socket::wait_read, use_tuple);
        ec = wait_ec;
        if (!ec) {
          const StampedRead read = receive_stamped(socket_, buffer);
          if (read.ec == asio::error::would_block) continue;  // woken for nothing
          ec = read.ec;
          if (!ec) {
            arrived_ = read.arrived;
            fresh = std::string_view(buffer.data(), read.bytes);
          }
        }
      }
      if (ec && expired()) {
        note("timed out waiting for a reply");
        co_return failed_read(ReadStatus::timeout, "timed out waiting for a reply");
      }
      if (ec) {
        const bool closed = ec == asio::error::eof || ec == ssl::error::stream_truncated;
        const std::string what = closed ? "connection closed by the server" : "read failed: " + ec.message();
        note(what);
        co_return failed_read(ReadStatus::closed, what);
      }
    }
  }

  // Writes what the socket takes of the command line now: a plain-TCP line goes at once when
  // the socket takes it whole (a fresh connection always does), with no wait. What is left
  // (all of it over TLS) is copied to line_ for the caller to write.
  boost::system::error_code send_now(std::string_view verb, std::string_view argument) {
    thread_local std::string text;  // composed in a buffer of the thread
    text.assign(verb);
    if (!argument.empty()) text.append(" ").append(argument);
    log('>', text);
    text += "\r\n";
    boost::system::error_code ec;
    std::size_t written = 0;
    if (expired()) {
      ec = asio::error::operation_aborted;
    } else if (!tls_) {
      written = send_available(socket_, text, ec);
    }
    line_.clear();
    if (!ec && written < text.size()) line_.assign(text, written);
    return ec;
  }

  void log(char direction, std::string_view text) {
    if (!transcript_) return;
    result_.transcript.push_back({seconds_between(start_, Clock::now()), direction, printable(text)});
  }

  void log_reply(const smtp::Reply& reply) {
    if (!transcript_) return;
    const auto lines = smtp::reply_lines(reply.text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const char sep = i + 1 < lines.size() ? '-' : ' ';
      log('<', std::to_string(reply.code) + sep + std::string(lines[i]));
    }
  }

  tcp::socket socket_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;  // set once TLS starts
  Deadlines::Watch watch_;  // after socket_, which it cancels
  smtp::ReplyParser parser_;
  std::unique_ptr<std::array<char, kReadBuffer>> tls_buffer_;  // TLS reads land here while suspended
  std::string pending_;  // bytes received after the last complete reply
  std::string line_;     // what a command's write still has to write
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

bool of_family(const asio::ip::address& a, config::IpProtocol family) {
  return family == config::IpProtocol::any || (family == config::IpProtocol::ip4 && a.is_v4()) ||
         (family == config::IpProtocol::ip6 && a.is_v6());
}

// An address literal needs no lookup: true if `where` is one, with its endpoint in `out` if it
// is of `family` and `error` set if not.
bool literal_address(const config::HostPort& where, config::IpProtocol family, std::vector<tcp::endpoint>& out,
                     std::string& error) {
  boost::system::error_code not_literal;
  asio::ip::address literal = asio::ip::make_address_v4(where.host, not_literal);  // the usual kind first
  if (not_literal) literal = asio::ip::make_address_v6(where.host, not_literal);
  if (not_literal) return false;
  if (of_family(literal, family)) out.emplace_back(literal, where.port);
  else error = "address " + where.host + " is not of the configured IP family";
  return true;
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
  if (literal_address(where, family, out, error)) co_return out;
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
    if (of_family(entry.endpoint().address(), family)) out.push_back(entry.endpoint());
  }
  if (lookup->ec) error = "resolving " + where.host + ": " + lookup->ec.message();
  else if (out.empty()) error = "no address of the configured IP family for " + where.host;
  co_return out;
}

namespace {

// How the dialog ended: a failure (or none) and whether the server still listens for QUIT.
struct Ending {
  Failure failure = Failure::none;
  std::string detail;
  bool say_quit = true;
};

Ending read_failure(const ReadOutcome& r, Failure on_timeout, std::string_view what) {
  Ending ending;
  ending.failure = r.status == ReadStatus::timeout ? on_timeout : Failure::protocol_error;
  ending.detail.append(what).append(": ").append(r.detail);
  ending.say_quit = false;
  return ending;
}

Ending refusal(Failure failure, std::string detail, bool say_quit) {
  return Ending{failure, std::move(detail), say_quit};
}

// One probe: its request, the result being filled and the session. The steps that wait are few
// coroutines (run, dialog, starttls, handshake, and the session's exchange); what they decide
// from a reply is in plain functions.
class Probe {
 public:
  Probe(const ProbeRequest& request, ProbeResult& result)
      : request_(request),
        module_(*request.module),
        result_(result),
        start_(Clock::now()),
        tls_context_(request.tls_context) {}

  // `self` is this probe: the coroutine owns it, so the probe lives exactly as long as its run.
  asio::awaitable<void> run([[maybe_unused]] std::unique_ptr<Probe> self) {
    const auto executor = co_await asio::this_coro::executor;
    session_.emplace(executor, result_, start_, request_.record_transcript);
    std::vector<tcp::endpoint> endpoints;
    std::string error;
    // resolve() takes literals too; checked here first, a literal costs no coroutine.
    if (!literal_address(request_.address, module_.ip_protocol, endpoints, error)) {
      endpoints = co_await resolve(request_.address, module_.ip_protocol, request_.deadline, error);
    }
    connect_start_ = Clock::now();
    phase(Phase::resolve) = seconds_between(start_, connect_start_);
    if (endpoints.empty()) {
      if (request_.record_transcript) result_.transcript.push_back({phase(Phase::resolve), '*', error});
      finish(Failure::resolve, std::move(error));
      co_return;
    }
    // Past the QoS deadline (2 x QoS after the connect began) a 250 could only be a failure, so
    // the dialog stops there: that is what tells a QoS warning (5511) from a failure (5509).
    dialog_deadline_ = std::min(request_.deadline, connect_start_ + 2 * module_.qos_timeout);

    session_->arm(dialog_deadline_);
    bool timed_out = false;
    for (const auto& endpoint : endpoints) {  // each address in turn, until one answers
      boost::system::error_code ec = asio::error::timed_out;
      if (!session_->expired()) {
        const auto [connect_ec] = co_await session_->connect(endpoint);
        ec = session_->connected(connect_ec);
      }
      if (!try_next_address(endpoint, ec, error, timed_out)) break;
    }
    const Failure connect_failure = connect_end(timed_out, error);
    if (connect_failure != Failure::none) {
      finish(connect_failure, std::move(error));
      co_return;
    }

    const Ending ending = co_await dialog();
    if (ending.say_quit) {  // polite goodbye; neither a missing 221 nor its code fails the probe
      const auto quit_start = Clock::now();
      const auto quit_deadline = std::min(request_.deadline, quit_start + kQuitWait);
      if (quit_deadline > quit_start) {
        const ReadOutcome ignored = co_await session_->command("QUIT", "", quit_deadline);
        (void)ignored;
      }
      phase(Phase::quit) = since(quit_start);
    }
    session_->close();
    finish(ending.failure, ending.detail);
  }

 private:
  double& phase(Phase p) { return result_.phase_seconds[static_cast<std::size_t>(p)]; }
  static double since(Clock::time_point t) { return seconds_between(t, Clock::now()); }
  void finish(Failure failure, std::string detail) {
    result_.failure = failure;
    result_.detail = std::move(detail);
    result_.total_seconds = since(start_);
  }

  // After the connect to one address: whether to try the next one (not once connected, out of
  // time or out of local resources). `error` says why the last one failed.
  bool try_next_address(const tcp::endpoint& endpoint, const boost::system::error_code& ec, std::string& error,
                        bool& timed_out) {
    if (!ec) {
      result_.peer_address = address_text(endpoint.address());
      return false;
    }
    if (ec == asio::error::timed_out) {
      timed_out = true;
      error = "connect to " + endpoint.address().to_string() + " timed out";
      return false;
    }
    error = "connect to " + endpoint.address().to_string() + ": " + ec.message();
    if (is_local_resource_error(ec)) {
      result_.exporter_error = true;
      return false;
    }
    return true;
  }

  // The end of the connect phase: its time, and Failure::none once connected.
  Failure connect_end(bool timed_out, const std::string& error) {
    connected_ = Clock::now();
    phase(Phase::connect) = seconds_between(connect_start_, connected_);
    if (result_.peer_address.empty()) {
      if (request_.record_transcript) result_.transcript.push_back({seconds_between(start_, connected_), '*', error});
      return timed_out ? Failure::connect_timeout : Failure::connect_refused;
    }
    if (request_.record_transcript) {
      session_->note("connected to " + result_.peer_address + " port " + std::to_string(request_.address.port));
    }
    return Failure::none;
  }

  // The dialog up to the final 250 of the last EHLO. Failures are returned, never thrown.
  asio::awaitable<Ending> dialog() {
    Ending ending;
    if (module_.tls == config::TlsMode::implicit) {
      ending = co_await handshake();
      if (ending.failure != Failure::none) co_return ending;
    }
    const ReadOutcome greeting = co_await session_->read_reply(dialog_deadline_);  // nothing is written before it
    bool banner_ok = true;
    ending = judge_greeting(greeting, banner_ok);
    if (ending.failure != Failure::none) co_return ending;
    // EHLO; with STARTTLS, then STARTTLS, the handshake and EHLO again over TLS.
    for (bool tls_next = module_.tls == config::TlsMode::starttls;; tls_next = false) {
      const auto ehlo_start = Clock::now();
      ReadOutcome ehlo = co_await session_->command("EHLO", module_.ehlo_name, dialog_deadline_);
      if (ehlo.status == ReadStatus::ok && is_helo_fallback_code(ehlo.reply.code) && module_.helo_fallback) {
        result_.helo_fallback = true;
        ehlo = co_await session_->command("HELO", module_.ehlo_name, dialog_deadline_);
      }
      ending = judge_ehlo(ehlo, ehlo_start);
      if (ending.failure != Failure::none || !tls_next) break;
      ending = co_await starttls();
      if (ending.failure != Failure::none) break;
    }
    if (ending.failure != Failure::none) co_return ending;
    // The QoS latency ends at the final 250 of the last EHLO of the dialog.
    result_.ehlo_latency_seconds = seconds_between(connect_start_, last_ehlo_at_);
    if (!banner_ok) ending = refusal(Failure::banner_mismatch, "greeting does not match expect_banner", true);
    co_return ending;
  }

  // What the greeting says: its phase time and code, and a failure unless it is a 220.
  Ending judge_greeting(const ReadOutcome& greeting, bool& banner_ok) {
    const auto greeting_end = greeting.status == ReadStatus::ok ? greeting.at : Clock::now();
    phase(Phase::greeting) = std::max(0.0, seconds_between(connected_, greeting_end) - phase(Phase::tls));
    if (greeting.status != ReadStatus::ok) return read_failure(greeting, Failure::greeting_timeout, "greeting");
    result_.greeting_code = greeting.reply.code;
    if (greeting.reply.code != 220) {
      // 421: the server is closing already; other refusals (554) still hear QUIT.
      return refusal(greeting.reply.code >= 400 ? Failure::greeting_rejected : Failure::protocol_error,
                     "greeting answered " + std::to_string(greeting.reply.code) + " instead of 220",
                     greeting.reply.code != 421);
    }
    const std::string_view banner = smtp::first_line(greeting.reply.text);
    banner_ok = !module_.expect_banner_re || std::regex_search(banner.begin(), banner.end(), *module_.expect_banner_re);
    return Ending{};
  }

  // What the reply to EHLO (or to HELO, the fallback) says: the phase time, the code and the
  // reply's text (the extensions); anything but 250 is the failure returned.
  Ending judge_ehlo(ReadOutcome& ehlo, Clock::time_point ehlo_start) {
    phase(Phase::ehlo) += seconds_between(ehlo_start, ehlo.status == ReadStatus::ok ? ehlo.at : Clock::now());
    const std::string_view verb = result_.helo_fallback ? "HELO" : "EHLO";
    if (ehlo.status != ReadStatus::ok) return read_failure(ehlo, Failure::ehlo_timeout, verb);
    result_.ehlo_code = ehlo.reply.code;
    last_ehlo_at_ = ehlo.at;
    if (result_.helo_fallback) result_.ehlo_text.clear();
    else result_.ehlo_text = std::move(ehlo.reply.text);  // keywords are taken where needed
    if (ehlo.reply.code == 250) return Ending{};
    return refusal(ehlo.reply.code >= 400 ? Failure::ehlo_rejected : Failure::protocol_error,
                   std::string(verb) + " answered " + std::to_string(ehlo.reply.code), ehlo.reply.code != 421);
  }

  // STARTTLS and the handshake; the caller says EHLO again.
  asio::awaitable<Ending> starttls() {
    const auto keywords = smtp::ehlo_keywords(result_.ehlo_text);
    if (std::find(keywords.begin(), keywords.end(), "STARTTLS") == keywords.end()) {
      co_return refusal(Failure::starttls_not_offered, "STARTTLS is not advertised", true);
    }
    const auto starttls_start = Clock::now();
    const ReadOutcome reply = co_await session_->command("STARTTLS", "", dialog_deadline_);
    phase(Phase::starttls) = since(starttls_start);
    if (reply.status != ReadStatus::ok) co_return read_failure(reply, Failure::starttls_rejected, "STARTTLS");
    if (reply.reply.code != 220) {
      co_return refusal(Failure::starttls_rejected, "STARTTLS answered " + std::to_string(reply.reply.code),
                        reply.reply.code != 421);
    }
    if (session_->has_unread_bytes()) {  // plaintext injected before TLS (CVE-2011-0411-style)
      co_return refusal(Failure::protocol_error, "data after the STARTTLS reply, before TLS", false);
    }
    Ending ending = co_await handshake();
    if (ending.failure == Failure::none) result_.ehlo_text.clear();  // RFC 3207: forget what was said before TLS
    co_return ending;
  }

  // TLS, for the handshake before the greeting (implicit) or after STARTTLS.
  asio::awaitable<Ending> handshake() {
    const auto tls_start = Clock::now();
    Ending ending{Failure::none, "", false};
    try {
      if (!tls_context_) tls_context_ = make_tls_context(module_.tls_config);
    } catch (const std::exception& e) {
      ending = {Failure::tls_handshake, e.what(), false};
    }
    if (ending.failure != Failure::none) co_return ending;
    const std::string& name =
        module_.tls_config.server_name.empty() ? request_.address.host : module_.tls_config.server_name;
    ending.failure = co_await session_->start_tls(*tls_context_, name, module_.tls_config.insecure_skip_verify,
                                                  dialog_deadline_, ending.detail);
    phase(Phase::tls) = since(tls_start);
    co_return ending;
  }

  const ProbeRequest& request_;
  const config::Module& module_;
  ProbeResult& result_;
  Clock::time_point start_;
  std::optional<Session> session_;  // made when the run starts, on the run's executor
  std::shared_ptr<ssl::context> tls_context_;
  Clock::time_point connect_start_;
  Clock::time_point connected_;
  Clock::time_point dialog_deadline_;
  Clock::time_point last_ehlo_at_;  // arrival of the final line of the last EHLO reply
};

}  // namespace

asio::awaitable<void> probe_into(const ProbeRequest& request, ProbeResult& result) {
  // The probe's state on the heap in one piece, owned by its own run (no frame in between).
  auto state = std::make_unique<Probe>(request, result);
  Probe* const probe = state.get();
  return probe->run(std::move(state));
}

asio::awaitable<ProbeResult> probe(ProbeRequest request) {
  ProbeResult result;
  co_await probe_into(request, result);
  co_return result;
}

}  // namespace smtp_exporter::prober
