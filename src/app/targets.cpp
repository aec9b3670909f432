#include "app/targets.hpp"

#include <exception>
#include <utility>

#include "prober/tls.hpp"

namespace smtp_exporter::app {

namespace {

// Does `b` keep the series of `a` (same identity and probe settings)? The interval is not part
// of it: a changed interval only restarts the loop.
bool same_series(const TargetEntry& a, const config::Target& b, const config::Module& b_module) {
  return a.target.name == b.name && a.target.address == b.address && a.target.domain == b.domain &&
         a.target.module == b.module && a.target.labels == b.labels && a.module->same_settings(b_module);
}

metrics::TargetState make_state(const config::Target& target, const config::Module& module) {
  return metrics::TargetState({target.name, target.module, target.labels},
                              classify::latency_bounds(module.buckets, module.qos_timeout),
                              std::chrono::duration<double>(module.qos_timeout).count(), module.step_names());
}

}  // namespace

Modules prepare_modules(const config::Config& config, const std::string& config_file,
                        std::vector<config::Error>& errors) {
  Modules modules;
  for (const auto& [name, module] : config.modules) {
    ModuleRuntime& runtime = modules[name];
    runtime.settings = std::make_shared<const config::Module>(module);
    if (module.tls == config::TlsMode::none) continue;
    try {
      runtime.tls_context = prober::make_tls_context(module.tls_config);
    } catch (const std::exception& e) {
      errors.push_back({config_file, 0, 0, "modules." + name + ".tls_config", e.what()});
    }
  }
  return modules;
}

domain::PolicyFetchOptions prepare_policy_fetch(const config::Config& config, const std::string& config_file,
                                                std::vector<config::Error>& errors) {
  domain::PolicyFetchOptions options;
  options.port = config.global.mta_sts.port;
  config::TlsConfig tls;
  tls.ca_file = config.global.mta_sts.ca_file;
  try {
    options.tls = prober::make_tls_context(tls);
  } catch (const std::exception& e) {
    errors.push_back({config_file, 0, 0, "global.mta_sts.ca_file", e.what()});
  }
  return options;
}

void keep_shard(std::vector<config::Target>& targets, unsigned shard_count, unsigned shard_index) {
  std::erase_if(targets, [&](const config::Target& t) {
    return scheduler::stable_hash(t.name) % shard_count != shard_index;
  });
}

std::shared_ptr<TargetEntry> make_entry(const config::Target& target, const ModuleRuntime& module) {
  auto entry = std::make_shared<TargetEntry>(TargetEntry{
      target, module.settings, module.tls_context, make_state(target, *module.settings), {}, {}, false, {}, {}, {}});
  if (target.domain) {
    const config::Module& m = *module.settings;
    entry->domain.emplace(metrics::TargetIdentity{target.name, target.module, target.labels},
                          classify::latency_bounds(m.buckets, m.qos_timeout),
                          std::chrono::duration<double>(m.qos_timeout).count(), m.step_names(),
                          metrics::DomainChecks{.module_tls = m.tls != config::TlsMode::none,
                                                .expect_null_mx = target.domain->expect_null_mx,
                                                .dane = target.domain->dane});
  }
  return entry;
}

ReloadedTargets reload_targets(const Targets& current, const std::vector<config::Target>& targets,
                               const Modules& modules, bool interval_mode) {
  std::map<std::string, std::shared_ptr<TargetEntry>> old;
  for (const auto& entry : current) old[entry->target.name] = entry;

  ReloadedTargets out;
  out.targets.reserve(targets.size());
  for (const auto& target : targets) {
    const ModuleRuntime& runtime = modules.at(target.module);
    auto it = old.find(target.name);
    if (it == old.end() || !same_series(*it->second, target, *runtime.settings)) {
      out.targets.push_back(make_entry(target, runtime));
      continue;
    }
    auto entry = std::move(it->second);
    old.erase(it);
    const bool restart = entry->target.interval != target.interval || !interval_mode;
    entry->target = target;
    entry->module = runtime.settings;
    entry->tls_context = runtime.tls_context;
    if (restart && entry->loop) {
      entry->loop->stop();
      entry->loop.reset();
    }
    out.targets.push_back(std::move(entry));
  }
  for (auto& [name, entry] : old) {  // removed or changed: its series go away
    entry->removed = true;
    if (entry->loop) entry->loop->stop();
    out.removed.push_back(std::move(entry));
  }
  return out;
}

}  // namespace smtp_exporter::app
