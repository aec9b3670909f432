// Fetching a domain's MTA-STS policy (RFC 8461 3.3): HTTPS GET of
// https://mta-sts.<domain>/.well-known/mta-sts.txt, the certificate verified for that name,
// redirects refused, at most 64 KiB, within a deadline. The host is resolved through the
// exporter's resolver like every other name of a domain probe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "dns/resolver.hpp"

namespace smtp_exporter::domain {

struct PolicyFetchOptions {
  std::shared_ptr<boost::asio::ssl::context> tls;  // trust for the policy host (ca_file or the system's)
  std::uint16_t port = 443;
  std::size_t max_bytes = 64 * 1024;
};

struct PolicyFetch {
  bool ok = false;
  std::string body;    // when ok
  std::string detail;  // why not: "HTTP 301 (redirects are not followed)", "certificate ...", ...
};

boost::asio::awaitable<PolicyFetch> fetch_policy(const std::string& domain, const PolicyFetchOptions& options,
                                                 dns::Resolver& resolver,
                                                 std::chrono::steady_clock::time_point deadline);

}  // namespace smtp_exporter::domain
