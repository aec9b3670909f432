// The target set: the configured targets with what the exporter keeps for each (metrics state,
// interval loop, last verdict), the modules as probes use them, and what a reload changes: which
// targets keep their state, which start afresh and which go away.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "app/status_history.hpp"
#include "classify/qos.hpp"
#include "config/config.hpp"
#include "domain/policy_fetch.hpp"
#include "metrics/domain_state.hpp"
#include "metrics/target_state.hpp"
#include "scheduler/interval_loop.hpp"

namespace smtp_exporter::app {

// A module as probes use it: its settings and, with TLS, its client context (loading a trust
// store per probe would cost more than the probe).
struct ModuleRuntime {
  std::shared_ptr<const config::Module> settings;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // null without TLS
};
using Modules = std::map<std::string, ModuleRuntime>;

// One configured target and everything the exporter keeps for it.
struct TargetEntry {
  config::Target target;
  std::shared_ptr<const config::Module> module;
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  metrics::TargetState state;                   // an address target's (unused for a domain)
  std::optional<metrics::DomainState> domain;  // a domain target's
  std::shared_ptr<scheduler::IntervalLoop> loop;  // interval mode only
  bool removed = false;                          // dropped by a reload; results are discarded
  std::optional<classify::Verdict> last_verdict;
  std::optional<double> last_latency;
  StatusHistory history;  // an address target's recent probes, for the status pages
};
using Targets = std::vector<std::shared_ptr<TargetEntry>>;

// The runtime form of every module of `config`. A TLS module whose certificates do not load
// adds an error (named after `config_file`).
Modules prepare_modules(const config::Config& config, const std::string& config_file,
                        std::vector<config::Error>& errors);

// What MTA-STS policy fetches use: a TLS client context with global.mta_sts.ca_file (or the
// system trust store) and the port. A ca_file that does not load adds an error.
domain::PolicyFetchOptions prepare_policy_fetch(const config::Config& config, const std::string& config_file,
                                                std::vector<config::Error>& errors);

// Keeps the targets of this replica (--shard.count, --shard.index): those whose stable hash of
// `name` modulo shard_count is shard_index.
void keep_shard(std::vector<config::Target>& targets, unsigned shard_count, unsigned shard_index);

// A fresh entry for `target`: its series start at 0.
std::shared_ptr<TargetEntry> make_entry(const config::Target& target, const ModuleRuntime& module);

// What a reload did to the target set.
struct ReloadedTargets {
  Targets targets;  // the new set, in config order
  Targets removed;  // gone, or changed so that their series change: marked removed, loops stopped
};

// Applies a reload's targets to `current`. A target whose name, address, module, module
// settings and labels did not change keeps its entry, and so its counters and histograms; its
// interval loop is stopped (and left null, to be started again) when its interval changed or the
// mode is not interval. Any other target gets a fresh entry. `modules` must hold every
// target's module.
ReloadedTargets reload_targets(const Targets& current, const std::vector<config::Target>& targets,
                               const Modules& modules, bool interval_mode);

}  // namespace smtp_exporter::app
