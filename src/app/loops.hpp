// The mail loops the exporter runs: for each configured loop its metric state, its ledger (the
// messages out) and its runner, and what a reload does to them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>

#include "app/targets.hpp"
#include "config/config.hpp"
#include "loop/ledger.hpp"
#include "loop/loop_runner.hpp"
#include "metrics/loop_state.hpp"

namespace smtp_exporter::app {

struct LoopEntry {
  config::Loop loop;
  std::shared_ptr<const config::Module> module;  // the sending module's settings when started
  std::string instance;
  std::shared_ptr<metrics::LoopState> state;
  std::shared_ptr<loop::Ledger> ledger;
  std::shared_ptr<loop::LoopRunner> runner;
};
using Loops = std::vector<LoopEntry>;  // in config order

// The IMAP TLS context of each loop that uses TLS, by loop name. A trust store or client
// certificate that does not load adds an error (named after `config_file`).
std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> prepare_loop_tls(
    const config::Config& config, const std::string& config_file, std::vector<config::Error>& errors);

// Applies a reload's loops. A loop whose settings, sending module and instance did not change
// goes on as it was. A changed loop of the same name keeps its counters (unless its buckets
// changed) and its ledger, so that messages already out are still recognised, and gets a new
// runner (its first message goes at once). Loops gone are stopped. `run` identifies this
// process's messages; `resolver` gives the DNS resolver of loops that send to a domain.
Loops reload_loops(Loops current, const config::Config& config, const Modules& modules,
                   const std::map<std::string, std::shared_ptr<boost::asio::ssl::context>>& receive_tls,
                   const boost::asio::any_io_executor& executor, std::uint64_t run,
                   const std::function<std::shared_ptr<dns::Resolver>()>& resolver);

void stop_loops(Loops& loops);

}  // namespace smtp_exporter::app
