// One SMTP probe as one Asio coroutine: resolve, connect, greeting, EHLO (HELO fallback), QUIT.
// It knows nothing of Prometheus: it returns a ProbeResult.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::prober {

using Clock = std::chrono::steady_clock;

struct ProbeRequest {
  config::HostPort address;
  std::shared_ptr<const config::Module> module;
  // Hard limit for the whole probe: min(start + module timeout, the scrape's deadline).
  Clock::time_point deadline;
  bool record_transcript = false;
};

// Never throws for network failures: they are reported in the result.
boost::asio::awaitable<ProbeResult> probe(ProbeRequest request);

}  // namespace smtp_exporter::prober
