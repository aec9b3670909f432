#include "prober/prober.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "smtp/reply.hpp"

namespace smtp_exporter::prober {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

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
  ReadStatus status;
  smtp::Reply reply;
  std::string detail;
};

// The state of one SMTP session: the socket, the reply parser and the result being filled.
class Session {
 public:
  Session(tcp::socket socket, ProbeResult& result, Clock::time_point start, bool transcript)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        result_(result),
        start_(start),
        transcript_(transcript) {}

  void note(std::string text) { log('*', std::move(text)); }

  // Reads one complete reply (all lines up to the final one) before `deadline`.
  asio::awaitable<ReadOutcome> read_reply(Clock::time_point deadline) {
    for (;;) {
      if (pending_.size() > 0) {
        std::size_t used = 0;
        const auto status = parser_.feed(pending_, used);
        pending_.erase(0, used);
        if (status == smtp::ReplyParser::Status::complete) {
          result_.bare_lf_lines = parser_.bare_lf_count();
          smtp::Reply reply = parser_.take();
          log_reply(reply);
          co_return ReadOutcome{ReadStatus::ok, std::move(reply), {}};
        }
        if (status == smtp::ReplyParser::Status::error) {
          note("protocol error: " + parser_.error());
          co_return ReadOutcome{ReadStatus::malformed, {}, parser_.error()};
        }
      }
      timer_.expires_at(deadline);
      auto which = co_await (socket_.async_read_some(asio::buffer(buffer_), use_tuple) ||
                             timer_.async_wait(use_tuple));
      if (which.index() == 1) {
        note("timed out waiting for a reply");
        co_return ReadOutcome{ReadStatus::timeout, {}, "timed out waiting for a reply"};
      }
      auto [ec, n] = std::get<0>(which);
      if (ec) {
        const std::string what = ec == asio::error::eof ? "connection closed by the server"
                                                        : "read failed: " + ec.message();
        note(what);
        co_return ReadOutcome{ReadStatus::closed, {}, what};
      }
      pending_.append(buffer_.data(), n);
    }
  }

  // Writes one command line (CRLF added) before `deadline`; false on failure or timeout.
  asio::awaitable<bool> send(std::string line, Clock::time_point deadline) {
    log('>', line);
    line += "\r\n";
    timer_.expires_at(deadline);
    auto which = co_await (asio::async_write(socket_, asio::buffer(line), use_tuple) ||
                           timer_.async_wait(use_tuple));
    if (which.index() == 1) {
      note("timed out writing");
      co_return false;
    }
    auto [ec, n] = std::get<0>(which);
    if (ec) note("write failed: " + ec.message());
    co_return !ec;
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
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
  asio::steady_timer timer_;
  smtp::ReplyParser parser_;
  std::array<char, 4096> buffer_{};
  std::string pending_;  // received bytes not parsed yet
  ProbeResult& result_;
  Clock::time_point start_;
  bool transcript_;
};

bool is_helo_fallback_code(int code) {
  return code == 500 || code == 501 || code == 502 || code == 550;
}

// Resolves the target to the addresses to try, in order, honouring ip_protocol.
asio::awaitable<std::vector<tcp::endpoint>> resolve(const config::HostPort& where,
                                                    config::IpProtocol family,
                                                    boost::system::error_code& ec) {
  std::vector<tcp::endpoint> out;
  const auto wanted = [family](const asio::ip::address& a) {
    return family == config::IpProtocol::any || (family == config::IpProtocol::ip4 && a.is_v4()) ||
           (family == config::IpProtocol::ip6 && a.is_v6());
  };
  boost::system::error_code parse_ec;
  const auto literal = asio::ip::make_address(where.host, parse_ec);
  if (!parse_ec) {  // an address literal needs no lookup
    if (wanted(literal)) out.emplace_back(literal, where.port);
    co_return out;
  }
  tcp::resolver resolver(co_await asio::this_coro::executor);
  auto [rec, results] = co_await resolver.async_resolve(where.host, std::to_string(where.port),
                                                        tcp::resolver::numeric_service, use_tuple);
  ec = rec;
  for (const auto& entry : results) {
    if (wanted(entry.endpoint().address())) out.push_back(entry.endpoint());
  }
  co_return out;
}

}  // namespace

asio::awaitable<ProbeResult> probe(ProbeRequest request) {
  const config::Module& module = *request.module;
  ProbeResult result;
  const Clock::time_point start = Clock::now();
  const auto executor = co_await asio::this_coro::executor;
  const auto fail = [&result](Failure f, std::string detail) {
    result.failure = f;
    result.detail = std::move(detail);
  };
  const auto finish = [&]() { result.total_seconds = seconds_between(start, Clock::now()); };
  auto phase = [&result](Phase p) -> double& { return result.phase_seconds[static_cast<std::size_t>(p)]; };

  // Resolve.
  boost::system::error_code resolve_ec;
  auto endpoints = co_await resolve(request.address, module.ip_protocol, resolve_ec);
  Clock::time_point connect_start = Clock::now();
  phase(Phase::resolve) = seconds_between(start, connect_start);
  if (endpoints.empty()) {
    fail(Failure::resolve, resolve_ec ? "resolving " + request.address.host + ": " + resolve_ec.message()
                                      : "no address of the configured IP family for " + request.address.host);
    if (request.record_transcript) result.transcript.push_back({phase(Phase::resolve), '*', result.detail});
    finish();
    co_return result;
  }

  // Past the QoS deadline (2 x QoS after the connect began) a 250 could only be a failure, so
  // the dialog stops there: that is what tells a QoS warning (5511) from a failure (5509).
  const auto qos_deadline = connect_start + 2 * module.qos_timeout;
  const auto dialog_deadline = std::min(request.deadline, qos_deadline);

  // Connect: each address in turn, until one answers.
  tcp::socket socket(executor);
  asio::steady_timer timer(executor);
  bool timed_out = false;
  std::string connect_error;
  for (const auto& endpoint : endpoints) {
    socket = tcp::socket(executor);
    timer.expires_at(dialog_deadline);
    auto which = co_await (socket.async_connect(endpoint, use_tuple) || timer.async_wait(use_tuple));
    if (which.index() == 1) {
      timed_out = true;
      connect_error = "connect to " + endpoint.address().to_string() + " timed out";
      break;
    }
    auto [ec] = std::get<0>(which);
    if (!ec) {
      result.peer_address = endpoint.address().to_string();
      break;
    }
    connect_error = "connect to " + endpoint.address().to_string() + ": " + ec.message();
  }
  const Clock::time_point connected = Clock::now();
  phase(Phase::connect) = seconds_between(connect_start, connected);
  if (result.peer_address.empty()) {
    fail(timed_out ? Failure::connect_timeout : Failure::connect_refused, connect_error);
    if (request.record_transcript) result.transcript.push_back({seconds_between(start, connected), '*', connect_error});
    finish();
    co_return result;
  }

  Session session(std::move(socket), result, start, request.record_transcript);
  session.note("connected to " + result.peer_address + " port " + std::to_string(request.address.port));

  // Polite goodbye: QUIT and a short wait for 221. Neither its absence nor its code is a failure.
  auto quit = [&]() -> asio::awaitable<void> {
    const auto quit_start = Clock::now();
    const auto quit_deadline = std::min(request.deadline, quit_start + kQuitWait);
    if (quit_deadline > quit_start && co_await session.send("QUIT", quit_deadline)) {
      co_await session.read_reply(quit_deadline);
    }
    phase(Phase::quit) = seconds_between(quit_start, Clock::now());
  };
  auto dialog_failure = [&](ReadStatus status, Failure on_timeout, const std::string& what) {
    fail(status == ReadStatus::timeout ? on_timeout : Failure::protocol_error, what);
  };

  // Greeting: read it to its final line; nothing is written before that.
  auto greeting = co_await session.read_reply(dialog_deadline);
  const auto greeted = Clock::now();
  phase(Phase::greeting) = seconds_between(connected, greeted);
  if (greeting.status != ReadStatus::ok) {
    dialog_failure(greeting.status, Failure::greeting_timeout, "greeting: " + greeting.detail);
    session.close();
    finish();
    co_return result;
  }
  result.greeting_code = greeting.reply.code;
  if (greeting.reply.code != 220) {
    const bool refusal = greeting.reply.code >= 400;
    fail(refusal ? Failure::greeting_rejected : Failure::protocol_error,
         "greeting answered " + std::to_string(greeting.reply.code) + " instead of 220");
    if (greeting.reply.code != 421) co_await quit();  // 421: the server is closing already
    session.close();
    finish();
    co_return result;
  }
  bool banner_ok = true;
  if (module.expect_banner_re) {
    const std::string& first = greeting.reply.lines.front();
    banner_ok = std::regex_search(first, *module.expect_banner_re);
  }

  // EHLO, and HELO if the server does not know EHLO and the module allows it.
  auto ehlo = ReadOutcome{ReadStatus::closed, {}, "write failed"};
  if (co_await session.send("EHLO " + module.ehlo_name, dialog_deadline)) {
    ehlo = co_await session.read_reply(dialog_deadline);
  }
  if (ehlo.status == ReadStatus::ok && is_helo_fallback_code(ehlo.reply.code) && module.helo_fallback) {
    result.helo_fallback = true;
    ehlo = ReadOutcome{ReadStatus::closed, {}, "write failed"};
    if (co_await session.send("HELO " + module.ehlo_name, dialog_deadline)) {
      ehlo = co_await session.read_reply(dialog_deadline);
    }
  }
  const auto ehlo_done = Clock::now();
  phase(Phase::ehlo) = seconds_between(greeted, ehlo_done);
  if (ehlo.status != ReadStatus::ok) {
    dialog_failure(ehlo.status, Failure::ehlo_timeout, "EHLO: " + ehlo.detail);
    session.close();
    finish();
    co_return result;
  }
  result.ehlo_code = ehlo.reply.code;
  if (ehlo.reply.code == 250) {
    result.ehlo_latency_seconds = seconds_between(connect_start, ehlo_done);
    if (!result.helo_fallback) result.extensions = smtp::ehlo_keywords(ehlo.reply);
    if (!banner_ok) fail(Failure::banner_mismatch, "greeting does not match expect_banner");
  } else {
    fail(ehlo.reply.code >= 400 ? Failure::ehlo_rejected : Failure::protocol_error,
         std::string(result.helo_fallback ? "HELO" : "EHLO") + " answered " + std::to_string(ehlo.reply.code));
  }
  if (ehlo.reply.code != 421) co_await quit();
  session.close();
  finish();
  co_return result;
}

}  // namespace smtp_exporter::prober
