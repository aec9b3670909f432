// One SMTP probe as Asio coroutines: resolve, connect, [TLS], greeting, EHLO (HELO fallback),
// [STARTTLS, TLS, EHLO], QUIT.
// It knows nothing of Prometheus: it returns a ProbeResult.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

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
  // The module's TLS client context (make_tls_context); built per probe when null and the
  // module uses TLS. Sharing one per module saves loading the trust store for every probe.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  // The name for SNI and certificate verification when the module's tls_config names none;
  // empty: the address's host. A domain's MX is probed at an address, under the MX's name.
  std::string server_name;
  // Keep the presented certificate chain (TlsFacts::chain_der), for DANE.
  bool keep_chain = false;
};

// The addresses to try for `where`, in resolver order, of the configured family (an address
// literal as it is), before `deadline`; empty with `error` set on failure or timeout.
boost::asio::awaitable<std::vector<boost::asio::ip::tcp::endpoint>> resolve(const config::HostPort& where,
                                                                            config::IpProtocol family,
                                                                            Clock::time_point deadline,
                                                                            std::string& error);

// Never throws for network failures: they are reported in the result.
boost::asio::awaitable<ProbeResult> probe(ProbeRequest request);

// The same, filling `result` in place (no copy of it through the coroutine frames): for the
// hot path of interval mode. `request` and `result` must outlive the coroutine.
boost::asio::awaitable<void> probe_into(const ProbeRequest& request, ProbeResult& result);

}  // namespace smtp_exporter::prober
