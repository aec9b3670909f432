#include "app/loops.hpp"

#include <algorithm>

#include "imap/client.hpp"
#include "prober/tls.hpp"
#include "prober/vocabulary.hpp"

namespace smtp_exporter::app {

std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> prepare_loop_tls(
    const config::Config& config, const std::string& config_file, std::vector<config::Error>& errors) {
  std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> contexts;
  for (std::size_t i = 0; i < config.loops.size(); ++i) {
    const config::Loop& loop = config.loops[i];
    if (!loop.imap || loop.imap->tls == config::TlsMode::none) continue;
    try {
      contexts[loop.name] = prober::make_tls_context(loop.imap->tls_config);
    } catch (const std::exception& e) {
      errors.push_back({config_file, 0, 0, "loops[" + std::to_string(i) + "].receive.imap.tls_config", e.what()});
    }
  }
  return contexts;
}

Loops reload_loops(Loops current, const config::Config& config, const Modules& modules,
                   const std::map<std::string, std::shared_ptr<boost::asio::ssl::context>>& receive_tls,
                   const boost::asio::any_io_executor& executor, std::uint64_t run,
                   const std::function<std::shared_ptr<dns::Resolver>()>& resolver) {
  Loops next;
  for (const config::Loop& loop : config.loops) {
    const ModuleRuntime& module = modules.at(loop.module);
    const auto old =
        std::find_if(current.begin(), current.end(), [&](const LoopEntry& e) { return e.loop.name == loop.name; });
    if (old != current.end() && old->loop == loop && old->module->same_settings(*module.settings) &&
        old->instance == config.global.instance) {
      next.push_back(std::move(*old));
      current.erase(old);
      continue;
    }
    LoopEntry entry;
    entry.loop = loop;
    entry.module = module.settings;
    entry.instance = config.global.instance;
    if (old != current.end()) {
      old->runner->stop();
      if (old->loop.buckets == loop.buckets) entry.state = old->state;
      entry.ledger = old->ledger;
      entry.ledger->set_timeout(loop.timeout);
      current.erase(old);
    }
    if (!entry.state) {
      entry.state = std::make_shared<metrics::LoopState>(
          loop.name, loop.buckets, std::span<const std::string_view>(prober::kFailureNames), loop::kReceiveFailures);
    }
    if (!entry.ledger) entry.ledger = std::make_shared<loop::Ledger>(run, loop.timeout);
    loop::LoopSettings settings;
    settings.loop = loop;
    settings.module = module.settings;
    settings.send_tls = module.tls_context;
    if (const auto tls = receive_tls.find(loop.name); tls != receive_tls.end()) settings.receive_tls = tls->second;
    settings.instance = config.global.instance;
    settings.resolver = resolver;
    entry.runner = loop::LoopRunner::start(executor, std::move(settings), entry.state, entry.ledger);
    next.push_back(std::move(entry));
  }
  stop_loops(current);  // the loops gone
  return next;
}

void stop_loops(Loops& loops) {
  for (LoopEntry& entry : loops) {
    if (entry.runner) entry.runner->stop();
  }
  loops.clear();
}

}  // namespace smtp_exporter::app
