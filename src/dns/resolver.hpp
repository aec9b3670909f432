// DNS lookups with DNSSEC validation in process (libunbound), driven from the prober's
// io_context: libunbound resolves on a thread of its own and signals results on a descriptor
// (ub_fd) that the io_context waits on; the answers are handed over on the io_context's thread.
// Every lookup has a deadline. libunbound caches answers for their TTL (at most 5 minutes here).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "dns/records.hpp"

struct ub_ctx;
struct ub_result;

namespace smtp_exporter::dns {

struct ResolverOptions {
  // Forward every query to these ("127.0.0.1:5353", "[::1]:53", "192.0.2.1"); empty: the
  // servers of /etc/resolv.conf. With servers set, libunbound's built-in local zones (localhost,
  // the reverse zones of loopback and private ranges) are off, so those names are asked too.
  std::vector<std::string> servers;
  // DNSSEC trust anchors (zone-file DS or DNSKEY lines); empty: Debian's root key
  // (/usr/share/dns/root.key, package dns-root-data) when it exists, else no validation.
  std::string trust_anchor_file;
  bool validate = true;  // false: no trust anchor at all, every answer insecure (tests only)
  std::size_t max_records = 1000;  // records kept of one answer; the count is reported whole
};

enum class Status {
  ok,        // records in the answer
  no_data,   // the name exists, without records of this type
  nxdomain,
  servfail,  // or any other failure rcode
  bogus,     // DNSSEC validation failed: never use the records
  timeout,
  error,     // libunbound could not run the query
};

struct Answer {
  Status status = Status::error;
  bool secure = false;   // validated by DNSSEC (also for a proven no_data or nxdomain)
  std::vector<std::vector<std::uint8_t>> records;  // rdata in wire format, at most max_records
  std::size_t record_count = 0;                   // in the answer, before the cap
  std::uint32_t ttl = 0;
  std::string detail;  // why, when not ok (libunbound's why_bogus, the error text)
};

std::string_view status_name(Status status);

class Resolver {
 public:
  using Clock = std::chrono::steady_clock;

  // Throws std::runtime_error saying what libunbound refused (a bad server address, an
  // unreadable trust anchor file).
  Resolver(const boost::asio::any_io_executor& executor, const ResolverOptions& options);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // One lookup; a timeout cancels it in libunbound. Never throws.
  boost::asio::awaitable<Answer> query(std::string name, RecordType type, Clock::time_point deadline);

 private:
  struct Pending;
  static void on_result(void* data, int error, ::ub_result* result);
  void wait_for_results();

  ub_ctx* ctx_ = nullptr;
  boost::asio::posix::stream_descriptor results_;  // a duplicate of ub_fd(ctx_)
  std::size_t max_records_;
  // Lookups libunbound may still answer, by their own address (libunbound reuses its ids).
  std::map<const Pending*, std::shared_ptr<Pending>> pending_;
  bool waiting_ = false;
  std::shared_ptr<void> alive_ = std::make_shared<char>();  // expires with the resolver
};

}  // namespace smtp_exporter::dns
