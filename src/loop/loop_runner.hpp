// One mail loop at work (README, "Mail loops"): every interval a probe message goes in through
// the sending server (the module's session with MAIL FROM, RCPT TO and DATA added), and the
// receiving side (receiver.hpp) is looked into until the message is found, removed and counted
// (ledger.hpp), its round trip and header facts set on the loop's metric state.
//
//   send loop:    wait for the interval -> compose -> prober::probe(module + mail_from, rcpt_to, data)
//                 (to the address, or to the domain's MX hosts in preference order until one
//                 answers) -> the 250 after DATA: Ledger::sent
//   receive loop: Receiver::collect -> read_header -> Ledger::found -> LoopState
//                 -> Receiver::wait (IDLE or inotify; at most poll_interval while messages are out)
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "dns/resolver.hpp"
#include "loop/ledger.hpp"
#include "loop/receiver.hpp"
#include "metrics/loop_state.hpp"
#include "prober/prober.hpp"

namespace smtp_exporter::loop {

struct LoopSettings {
  config::Loop loop;
  std::shared_ptr<const config::Module> module;               // the sending session's
  std::shared_ptr<boost::asio::ssl::context> send_tls;        // the module's TLS context, if it uses TLS
  std::shared_ptr<boost::asio::ssl::context> receive_tls;     // IMAP's, if it uses TLS
  std::string instance;                                       // global.instance
  // The DNS resolver of domain probes (global.dns), for a loop that sends to a domain; it may
  // give null (libunbound could not start).
  std::function<std::shared_ptr<dns::Resolver>()> resolver;
};

class LoopRunner {
 public:
  // Starts both loops. The state and the ledger outlive a runner that a reload replaces, so
  // that counters go on and messages already out are still recognised.
  static std::shared_ptr<LoopRunner> start(const boost::asio::any_io_executor& executor, LoopSettings settings,
                                           std::shared_ptr<metrics::LoopState> state, std::shared_ptr<Ledger> ledger);
  // Ends both loops: a look into the mailbox or a wait in progress ends at once, a message being
  // sent is finished first.
  void stop();
  ~LoopRunner();

 private:
  LoopRunner(const boost::asio::any_io_executor& executor, LoopSettings settings,
             std::shared_ptr<metrics::LoopState> state, std::shared_ptr<Ledger> ledger);
  boost::asio::awaitable<void> send_loop();
  boost::asio::awaitable<void> send_one();
  // The session to the best MX of send_domain that answers: each MX host in preference order,
  // each address (IPv6 first, as the module allows), until one gets past the connect.
  boost::asio::awaitable<prober::ProbeResult> send_to_domain(prober::ProbeRequest request);
  boost::asio::awaitable<void> receive_loop();
  void count(const Collected& collected);
  // When the receive loop looks next after a successful look.
  Clock::time_point next_look() const;

  boost::asio::any_io_executor executor_;
  LoopSettings settings_;
  std::shared_ptr<metrics::LoopState> state_;
  std::shared_ptr<Ledger> ledger_;
  std::unique_ptr<Receiver> receiver_;
  std::string token_prefix_;
  boost::asio::steady_timer send_timer_;
  Clock::time_point next_send_;
  bool stopped_ = false;
};

}  // namespace smtp_exporter::loop
