#include "loop/loop_runner.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dns/records.hpp"
#include "domain/domain_probe.hpp"
#include "domain/mx.hpp"
#include "log/log.hpp"
#include "loop/message.hpp"
#include "prober/prober.hpp"

namespace smtp_exporter::loop {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr auto kLookTimeout = 60s;      // one look into the mailbox, every folder
constexpr auto kMaxQuietWait = 25min;   // IDLE is renewed before servers end it (RFC 2177: 29 min)
constexpr auto kMaxRetryWait = 60s;     // after failed looks, the wait doubles up to this
constexpr std::size_t kMaxMx = 10;      // MX hosts a loop that sends to a domain tries at most

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

config::Step loop_step(prober::StepKind kind, std::string address = {}) {
  config::Step step;
  step.kind = kind;
  step.name = std::string(prober::step_kind_name(kind));
  step.address = std::move(address);
  return step;
}

}  // namespace

std::shared_ptr<LoopRunner> LoopRunner::start(const asio::any_io_executor& executor, LoopSettings settings,
                                              std::shared_ptr<metrics::LoopState> state,
                                              std::shared_ptr<Ledger> ledger) {
  std::shared_ptr<LoopRunner> runner(
      new LoopRunner(executor, std::move(settings), std::move(state), std::move(ledger)));
  // Each loop holds the runner (co_spawn keeps the function, and so `runner`, until it ends).
  asio::co_spawn(executor, [runner]() { return runner->receive_loop(); }, asio::detached);
  asio::co_spawn(executor, [runner]() { return runner->send_loop(); }, asio::detached);
  return runner;
}

LoopRunner::LoopRunner(const asio::any_io_executor& executor, LoopSettings settings,
                       std::shared_ptr<metrics::LoopState> state, std::shared_ptr<Ledger> ledger)
    : executor_(executor),
      settings_(std::move(settings)),
      state_(std::move(state)),
      ledger_(std::move(ledger)),
      receiver_(make_receiver(executor, settings_.loop, settings_.receive_tls)),
      token_prefix_(token_prefix(settings_.instance, settings_.loop.name)),
      send_timer_(executor),
      next_send_(Clock::now()) {}

LoopRunner::~LoopRunner() = default;

void LoopRunner::stop() {
  stopped_ = true;
  send_timer_.cancel();
  receiver_->close();
}

asio::awaitable<void> LoopRunner::send_loop() {
  next_send_ = Clock::now();
  while (!stopped_) {
    send_timer_.expires_at(next_send_);
    co_await send_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    co_await send_one();
    // One message per interval; an interval missed (a send that took longer) is skipped.
    next_send_ += settings_.loop.interval;
    if (next_send_ < Clock::now()) next_send_ = Clock::now() + settings_.loop.interval;
  }
}

asio::awaitable<void> LoopRunner::send_one() {
  Outgoing outgoing;
  outgoing.from = settings_.loop.from;
  outgoing.to = settings_.loop.to;
  outgoing.host = settings_.module->ehlo_name;
  outgoing.token = Token{settings_.instance, settings_.loop.name, ledger_->run(), ledger_->take_seq(),
                         static_cast<std::int64_t>(unix_now())};
  // The module's session (its TLS and AUTH), then the transaction.
  auto module = std::make_shared<config::Module>(*settings_.module);
  module->steps.push_back(loop_step(prober::StepKind::mail_from, settings_.loop.from));
  module->steps.push_back(loop_step(prober::StepKind::rcpt_to, settings_.loop.to));
  config::Step data = loop_step(prober::StepKind::data);
  data.message = compose(outgoing);
  module->steps.push_back(std::move(data));

  prober::ProbeRequest request;
  request.address = settings_.loop.send_address;
  request.module = module;
  request.deadline = Clock::now() + module->timeout;
  request.tls_context = settings_.send_tls;
  prober::ProbeResult result;
  if (settings_.loop.send_domain.empty()) result = co_await prober::probe(request);
  else result = co_await send_to_domain(request);

  const auto sent = std::find_if(result.steps.begin(), result.steps.end(), [](const prober::StepRecord& step) {
    return step.kind == prober::StepKind::data && step.outcome == prober::Outcome::as_expected;
  });
  const std::string seq = std::to_string(outgoing.token.seq);
  if (sent != result.steps.end()) {
    ledger_->sent(outgoing.token.seq, sent->replied_at);
    state_->sent();
    state_->set_pending(ledger_->pending());
    log::debug("loop message sent", {{"loop", settings_.loop.name}, {"seq", seq}});
    co_return;
  }
  const prober::Failure failure =
      result.failure == prober::Failure::none ? prober::Failure::protocol_error : result.failure;
  state_->send_failed(prober::failure_name(failure));
  log::warn("loop message not sent", {{"loop", settings_.loop.name},
                                      {"seq", seq},
                                      {"reason", prober::failure_name(failure)},
                                      {"detail", result.detail}});
}

asio::awaitable<prober::ProbeResult> LoopRunner::send_to_domain(prober::ProbeRequest request) {
  prober::ProbeResult result;
  result.failure = prober::Failure::resolve;
  const std::string& domain = settings_.loop.send_domain;
  const std::shared_ptr<dns::Resolver> resolver = settings_.resolver ? settings_.resolver() : nullptr;
  if (!resolver) {
    result.detail = "no DNS resolver for the MX of " + domain;
    co_return result;
  }
  const dns::Answer answer = co_await resolver->query(domain, dns::RecordType::mx, request.deadline);
  if (answer.status != dns::Status::ok && answer.status != dns::Status::no_data) {  // a bogus answer is never used
    result.detail = "MX of " + domain + ": " + std::string(dns::status_name(answer.status));
    co_return result;
  }
  std::vector<dns::MxRecord> records;
  for (const auto& rdata : answer.records) {
    if (auto mx = dns::parse_mx(rdata)) records.push_back(std::move(*mx));
  }
  const domain::MxSet mx = domain::select_mx(records, domain, kMaxMx);
  if (mx.kind == domain::MxSet::Kind::null_mx) {
    result.detail = domain + " has a null MX: it accepts no mail";
    co_return result;
  }
  result.detail = "no address for the MX hosts of " + domain;
  for (const domain::MxHost& host : mx.hosts) {
    for (const domain::Family family : {domain::Family::ip6, domain::Family::ip4}) {
      if (!domain::wants(request.module->ip_protocol, family)) continue;
      const dns::Answer addresses = co_await resolver->query(host.name, domain::record_type(family), request.deadline);
      if (addresses.status != dns::Status::ok) continue;
      for (const auto& rdata : addresses.records) {
        const auto address = dns::parse_address(domain::record_type(family), rdata);
        if (!address) continue;
        request.address = config::HostPort{.host = *address, .port = settings_.loop.send_port, .unix_path = ""};
        request.server_name = host.name;  // SNI and the name its certificate must have, as a sender checks
        result = co_await prober::probe(request);
        const bool reached = result.failure != prober::Failure::connect_refused &&
                             result.failure != prober::Failure::connect_timeout &&
                             result.failure != prober::Failure::resolve;
        if (reached || Clock::now() >= request.deadline) co_return result;
      }
    }
  }
  co_return result;
}

asio::awaitable<void> LoopRunner::receive_loop() {
  Clock::duration retry_wait = settings_.loop.poll_interval;
  while (!stopped_) {
    for (std::size_t lost = ledger_->expire(Clock::now()); lost > 0; --lost) state_->lost();
    state_->set_pending(ledger_->pending());
    const Collected collected = co_await receiver_->collect(token_prefix_, Clock::now() + kLookTimeout);
    if (stopped_) break;
    Clock::time_point until;
    if (collected.ok()) {
      state_->receive_succeeded();
      count(collected);
      retry_wait = settings_.loop.poll_interval;
      until = next_look();
    } else {
      state_->receive_failed(collected.failure);
      log::warn("loop mailbox unreachable", {{"loop", settings_.loop.name},
                                             {"reason", collected.failure},
                                             {"detail", collected.detail}});
      until = Clock::now() + retry_wait;
      retry_wait = std::min<Clock::duration>(retry_wait * 2, std::max<Clock::duration>(kMaxRetryWait, settings_.loop.poll_interval));
    }
    // A message out runs out of time at its expiry: look then, to count it lost on time.
    if (const auto expiry = ledger_->next_expiry()) until = std::min(until, *expiry);
    state_->set_pending(ledger_->pending());
    co_await receiver_->wait(until);
  }
}

Clock::time_point LoopRunner::next_look() const {
  const auto now = Clock::now();
  // Messages out: at most poll_interval (IDLE ends sooner when one arrives in the first folder).
  // None: shortly after the next send, or when IDLE says something came.
  if (ledger_->pending() > 0) return now + settings_.loop.poll_interval;
  return std::min(std::max(next_send_ + 1s, now + settings_.loop.poll_interval), now + kMaxQuietWait);
}

void LoopRunner::count(const Collected& collected) {
  for (const std::string& folder : collected.folders) state_->know_folder(folder);
  for (const Arrival& arrival : collected.arrivals) {
    const HeaderFacts facts = read_header(arrival.header);
    if (!facts.token) continue;  // the search matched, the header did not parse: not counted
    const Ledger::Verdict verdict = ledger_->found(*facts.token, arrival.seen_at);
    const std::string seq = std::to_string(facts.token->seq);
    switch (verdict.kind) {
      case Ledger::Verdict::Kind::received: {
        metrics::LoopArrival found;
        found.folder = arrival.folder;
        found.roundtrip_seconds = std::chrono::duration<double>(verdict.roundtrip).count();
        found.found_at = unix_now();
        if (facts.first_received && facts.last_received) {
          found.queue_seconds = static_cast<double>(*facts.last_received - *facts.first_received);
        }
        found.auth_results = facts.auth_results;
        state_->received(found);
        log::debug("loop message found", {{"loop", settings_.loop.name}, {"seq", seq}, {"folder", arrival.folder}});
        break;
      }
      case Ledger::Verdict::Kind::late:
        state_->late();
        log::info("loop message found late", {{"loop", settings_.loop.name}, {"seq", seq}, {"folder", arrival.folder}});
        break;
      case Ledger::Verdict::Kind::repeated:
        break;
    }
  }
}

}  // namespace smtp_exporter::loop
