// The driver: resolve, connect, then the dialog as a list of steps (prober/steps/), run in
// order until one does not go as expected; then QUIT where the server still listens.
#include "prober/prober.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "classify/qos.hpp"
#include "prober/connection.hpp"
#include "prober/steps/step.hpp"
#include "prober/transcript.hpp"

namespace smtp_exporter::prober {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// How long QUIT may wait for its 221: politeness, not part of the verdict.
constexpr auto kQuitWait = std::chrono::seconds(1);

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

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

// A built-in step of every dialog (start_record names it after its kind).
config::Step builtin(StepKind kind) {
  config::Step step;
  step.kind = kind;
  return step;
}

// One probe: its request, the result being filled, the connection and the dialog's state.
class Probe {
 public:
  Probe(const ProbeRequest& request, ProbeResult& result)
      : request_(request),
        module_(*request.module),
        result_(result),
        start_(Clock::now()),
        transcript_(request.record_transcript ? &result.transcript : nullptr, start_) {}

  // `self` is this probe: the coroutine owns it, so the probe lives exactly as long as its run.
  asio::awaitable<void> run([[maybe_unused]] std::unique_ptr<Probe> self) {
    connection_.emplace(co_await asio::this_coro::executor, transcript_);
    const bool connected = co_await connect();
    if (!connected) co_return;

    Dialog dialog{*connection_, module_, result_, tls_server_name(), request_.keep_chain, request_.tls_context,
                  dialog_deadline_, {}};
    StepRecord last = co_await greet_and_ehlo(dialog);
    const bool ehlo_done = last.outcome == Outcome::as_expected;
    if (ehlo_done) {
      // The QoS latency ends at the final 250 of the last EHLO of the dialog.
      result_.ehlo_latency_seconds = seconds_between(connect_start_, dialog.last_ehlo_at);
      // The module's own steps run within its timeout, not the QoS cutoff.
      dialog.deadline = request_.deadline;
      for (const config::Step& step : module_.steps) {
        last = co_await step_function(step.kind)(dialog, step);
        result_.steps.push_back(last);
        if (last.outcome != Outcome::as_expected) break;
      }
    }
    if (!last.server_closing) {  // a polite goodbye, where the server still listens
      const auto quit_start = Clock::now();
      dialog.deadline = std::min(request_.deadline, quit_start + kQuitWait);
      if (dialog.deadline > quit_start) {
        const StepRecord quit = co_await run_quit(dialog, builtin(StepKind::quit));
        phase(Phase::quit) = quit.seconds;
      }
    }
    connection_->close();
    result_.bare_lf_lines = connection_->bare_lf_lines();
    clamp_connect_end();
    if (last.outcome == Outcome::as_expected) {
      finish(deferred_failure_, deferred_detail_);
    } else {
      finish(last.failure == Failure::none ? Failure::protocol_error : last.failure, last.detail);
    }
  }

 private:
  double& phase(Phase p) { return result_.phase_seconds[static_cast<std::size_t>(p)]; }
  void finish(Failure failure, std::string detail) {
    result_.failure = failure;
    result_.detail = std::move(detail);
    result_.total_seconds = seconds_between(start_, Clock::now());
  }

  // SNI and the name the certificate must carry: tls_config.server_name, else the request's
  // (a domain's MX name), else the target's host.
  std::string tls_server_name() const {
    if (!module_.tls_config.server_name.empty()) return module_.tls_config.server_name;
    return request_.server_name.empty() ? request_.address.host : request_.server_name;
  }

  // Resolves and connects (each address in turn, until one answers); false, with the result
  // finished, when none did.
  asio::awaitable<bool> connect() {
    std::vector<tcp::endpoint> endpoints;
    std::string error;
    if (!request_.address.is_unix()) {
      endpoints = co_await resolve(request_.address, module_.ip_protocol, request_.deadline, error);
    }
    connect_start_ = Clock::now();
    phase(Phase::resolve) = seconds_between(start_, connect_start_);
    if (endpoints.empty() && !request_.address.is_unix()) {
      transcript_.note(error);
      finish(Failure::resolve, std::move(error));
      co_return false;
    }
    // Past the cutoff (2 x QoS after the connect began) a 250 could only be a failure.
    dialog_deadline_ = std::min(request_.deadline,
                                connect_start_ + std::chrono::duration_cast<Clock::duration>(
                                                     classify::dialog_cutoff(module_.qos_timeout)));
    boost::system::error_code ec = asio::error::not_found;
    if (request_.address.is_unix()) {
      ec = co_await connection_->connect(request_.address.unix_path, dialog_deadline_);
      if (ec) error = "connect to " + request_.address.to_string() + ": " + ec.message();
      else result_.peer_address = request_.address.to_string();
    }
    for (const auto& endpoint : endpoints) {
      ec = co_await connection_->connect(endpoint, dialog_deadline_);
      if (!ec) {
        result_.peer_address = endpoint.address().to_string();
        break;
      }
      error = "connect to " + endpoint.address().to_string() +
              (ec == asio::error::timed_out ? std::string(" timed out") : ": " + ec.message());
      if (ec == asio::error::timed_out) break;
      if (is_local_resource_error(ec)) {
        result_.exporter_error = true;
        break;
      }
    }
    connected_ = Clock::now();
    phase(Phase::connect) = seconds_between(connect_start_, connected_);
    if (result_.peer_address.empty()) {
      transcript_.note(error);
      finish(ec == asio::error::timed_out ? Failure::connect_timeout : Failure::connect_refused, std::move(error));
      co_return false;
    }
    if (transcript_.enabled()) {  // the text is built only when someone reads it
      if (request_.address.is_unix()) transcript_.note("connected to " + request_.address.to_string());
      else transcript_.note("connected to " + result_.peer_address + " port " + std::to_string(request_.address.port));
    }
    co_return true;
  }

  // Implicit TLS, the greeting, EHLO, and with STARTTLS: STARTTLS, the handshake and EHLO again.
  // Returns the last step's record: as_expected if the EHLO part went through.
  asio::awaitable<StepRecord> greet_and_ehlo(Dialog& dialog) {
    if (module_.tls == config::TlsMode::implicit) {
      const TlsUpgrade upgrade = co_await dialog.handshake();
      if (upgrade.failure != Failure::none) co_return failed_before_greeting(upgrade);
    }
    StepRecord last = co_await run_greeting(dialog, builtin(StepKind::greeting));
    phase(Phase::greeting) = last.seconds;
    if (last.failure != Failure::none && last.outcome == Outcome::as_expected) {
      deferred_failure_ = last.failure;  // the banner: the probe fails, the dialog goes on
      deferred_detail_ = last.detail;
    }
    if (last.outcome != Outcome::as_expected) co_return last;
    last = co_await ehlo(dialog);
    if (last.outcome != Outcome::as_expected || module_.tls != config::TlsMode::starttls) co_return last;
    last = co_await run_starttls(dialog, builtin(StepKind::starttls));
    if (last.outcome != Outcome::as_expected) co_return last;
    co_return co_await ehlo(dialog);
  }

  asio::awaitable<StepRecord> ehlo(Dialog& dialog) {
    StepRecord record = co_await run_ehlo(dialog, builtin(StepKind::ehlo));
    phase(Phase::ehlo) += record.seconds;
    co_return record;
  }

  StepRecord failed_before_greeting(const TlsUpgrade& upgrade) const {
    StepRecord record = start_record(builtin(StepKind::greeting));
    record.outcome = Outcome::unexpected;
    record.failure = upgrade.failure;
    record.detail = upgrade.detail;
    record.server_closing = true;
    return record;
  }

  // The connect phase ends when the event loop noticed the connection, the greeting's bytes
  // are stamped by the kernel when they arrived: when the loop ran late the greeting seems to
  // come before the connect ended. Then the connect ends at the greeting's arrival, so that
  // the phases add up and none is negative (README, "Timings").
  void clamp_connect_end() {
    const Clock::time_point first = connection_->first_arrival();
    if (first >= connected_ || module_.tls == config::TlsMode::implicit) return;
    phase(Phase::connect) = std::max(0.0, seconds_between(connect_start_, first));
  }

  const ProbeRequest& request_;
  const config::Module& module_;
  ProbeResult& result_;
  Clock::time_point start_;
  Transcript transcript_;
  std::optional<Connection> connection_;  // made when the run starts, on the run's executor
  Clock::time_point connect_start_;
  Clock::time_point connected_;
  Clock::time_point dialog_deadline_;
  Failure deferred_failure_ = Failure::none;  // a failed check that did not stop the dialog
  std::string deferred_detail_;
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
