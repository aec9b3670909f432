#include "domain/domain_probe.hpp"

#include <algorithm>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "domain/dane.hpp"

namespace smtp_exporter::domain {
namespace {

namespace asio = boost::asio;

// Runs every task at once on this executor; returns when all have ended.
asio::awaitable<void> all_of(std::vector<asio::awaitable<void>> tasks) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer all_done(executor, Clock::time_point::max());
  std::size_t running = tasks.size();
  for (auto& task : tasks) {
    asio::co_spawn(executor, std::move(task), [&](const std::exception_ptr&) {
      if (--running == 0) all_done.cancel();
    });
  }
  // Not cancellable: the tasks refer to their caller's state, which must outlive them.
  if (running > 0) {
    co_await all_done.async_wait(asio::bind_cancellation_slot(asio::cancellation_slot(), asio::as_tuple(asio::use_awaitable)));
  }
}

DnsFailure failure_of(dns::Status status) {
  switch (status) {
    case dns::Status::nxdomain: return DnsFailure::nxdomain;
    case dns::Status::bogus: return DnsFailure::bogus;
    case dns::Status::timeout: return DnsFailure::timeout;
    case dns::Status::ok:
    case dns::Status::no_data: return DnsFailure::none;
    case dns::Status::servfail:
    case dns::Status::error: break;
  }
  return DnsFailure::servfail;
}

// The work of one domain probe, shared by its concurrent parts (all on one thread).
class DomainProbe {
 public:
  DomainProbe(const DomainRequest& request, dns::Resolver& resolver) : request_(request), resolver_(resolver) {}

  asio::awaitable<DomainResult> run() {
    const auto started = Clock::now();
    co_await look_up_mx();
    if (result_.dns_failure == DnsFailure::none && result_.kind != MxSet::Kind::null_mx) {
      std::vector<asio::awaitable<void>> per_mx;
      for (std::size_t i = 0; i < result_.mx.size(); ++i) per_mx.push_back(look_up_host(i));
      if (request_.check_mta_sts) per_mx.push_back(check_mta_sts());
      co_await all_of(std::move(per_mx));
      order_addresses();
      if (result_.addresses.empty()) {
        result_.dns_failure = DnsFailure::no_address;
        if (result_.detail.empty()) result_.detail = "no address for any MX host";
      }
      if (request_.allow_address) {
        for (const auto& probe : result_.addresses) {
          if (!request_.allow_address(probe.address)) {
            result_.refused_address = probe.address;
            co_return std::move(result_);
          }
        }
      }
      std::vector<asio::awaitable<void>> sessions;
      for (std::size_t i = 0; i < result_.addresses.size(); ++i) sessions.push_back(probe_address(i));
      co_await all_of(std::move(sessions));
      if (result_.sts.policy) {
        for (auto& mx : result_.mx) mx.sts_covered = policy_covers(*result_.sts.policy, mx.host.name);
      }
    }
    result_.duration_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    co_return std::move(result_);
  }

 private:
  asio::awaitable<void> look_up_mx() {
    const dns::Answer answer = co_await resolver_.query(request_.domain, dns::RecordType::mx, request_.deadline);
    result_.dns_failure = failure_of(answer.status);
    if (result_.dns_failure != DnsFailure::none) {  // a bogus answer is never used
      result_.detail = "MX of " + request_.domain + ": " + std::string(dns::status_name(answer.status)) +
                       (answer.detail.empty() ? "" : " (" + answer.detail + ")");
      co_return;
    }
    std::vector<dns::MxRecord> records;
    for (const auto& rdata : answer.records) {
      if (auto mx = dns::parse_mx(rdata)) records.push_back(std::move(*mx));
    }
    MxSet set = select_mx(records, request_.domain, request_.max_mx);
    result_.kind = set.kind;
    // Records beyond the answer's cap count too; an implicit or null MX counts none.
    result_.mx_found = set.kind == MxSet::Kind::listed ? std::max(set.found, answer.record_count) : 0;
    for (auto& host : set.hosts) result_.mx.push_back(MxReport{std::move(host)});
  }

  // The addresses of one MX (both families, as the module allows) and its TLSA records.
  asio::awaitable<void> look_up_host(std::size_t index) {
    const std::string name = result_.mx[index].host.name;
    MxAddresses addresses;
    for (const Family family : {Family::ip6, Family::ip4}) {
      if (!wants(request_.module->ip_protocol, family)) continue;
      const dns::Answer answer = co_await resolver_.query(name, record_type(family), request_.deadline);
      if (answer.status == dns::Status::bogus) {
        note("addresses of " + name + " failed DNSSEC validation: " + answer.detail);
        continue;
      }
      for (const auto& rdata : answer.records) {
        auto text = dns::parse_address(record_type(family), rdata);
        if (text) (family == Family::ip6 ? addresses.ip6 : addresses.ip4).push_back(std::move(*text));
      }
    }
    addresses = pick_addresses(std::move(addresses), request_.max_addresses_per_mx);
    for (const Family family : {Family::ip6, Family::ip4}) {
      for (auto& address : family == Family::ip6 ? addresses.ip6 : addresses.ip4) {
        AddressProbe probe;
        probe.mx = name;
        probe.address = std::move(address);
        probe.family = family;
        found_.push_back(std::move(probe));
      }
    }
    if (request_.check_dane) {
      const std::string tlsa_name = "_" + std::to_string(request_.port) + "._tcp." + name;
      const dns::Answer answer = co_await resolver_.query(tlsa_name, dns::RecordType::tlsa, request_.deadline);
      MxReport& mx = result_.mx[index];
      mx.tlsa_bogus = answer.status == dns::Status::bogus;
      if (mx.tlsa_bogus) tlsa_bogus_.insert(name);
      mx.tlsa_secure = answer.secure && answer.status == dns::Status::ok;
      if (mx.tlsa_secure) {  // records of an insecure zone are no DANE (RFC 7672 2.2)
        for (const auto& rdata : answer.records) {
          if (auto tlsa = dns::parse_tlsa(rdata)) tlsa_[name].push_back(std::move(*tlsa));
        }
        mx.tlsa_usable = usable_count(tlsa_[name]);
      }
    }
  }

  // MX order as found, and within an MX IPv6 first, as senders try them.
  void order_addresses() {
    for (const auto& mx : result_.mx) {
      for (const Family family : {Family::ip6, Family::ip4}) {
        for (auto& probe : found_) {
          if (probe.mx == mx.host.name && probe.family == family) result_.addresses.push_back(std::move(probe));
        }
      }
    }
    found_.clear();
  }

  asio::awaitable<void> probe_address(std::size_t index) {
    AddressProbe& probe = result_.addresses[index];
    const auto records = tlsa_.find(probe.mx);
    const bool dane = records != tlsa_.end() && usable_count(records->second) > 0;
    prober::ProbeRequest session;
    session.address.host = probe.address;
    session.address.port = request_.port;
    session.module = request_.module;
    session.deadline = request_.deadline;
    session.tls_context = request_.tls_context;
    session.server_name = probe.mx;
    session.keep_chain = dane;
    if (request_.run_session) probe.result = co_await request_.run_session(std::move(session));
    else probe.result = co_await prober::probe(std::move(session));
    if (tlsa_bogus_.contains(probe.mx)) {
      probe.dane_match = false;  // RFC 7672 2.1.1: a DANE sender does not deliver to this MX
    } else if (dane && probe.result.tls) {
      probe.dane_match = dane_matches(records->second, probe.result.tls->chain_der);
      probe.result.tls->chain_der.clear();  // kilobytes per address: not kept past this
    }
    co_await check_identity(probe);
  }

  // Forward-confirmed reverse DNS, and whether the greeting names the same host.
  asio::awaitable<void> check_identity(AddressProbe& probe) {
    const auto reverse = dns::reverse_name(probe.address);
    if (!reverse) co_return;
    const dns::Answer ptr = co_await resolver_.query(*reverse, dns::RecordType::ptr, request_.deadline);
    if (ptr.status != dns::Status::ok || ptr.records.empty()) co_return;
    probe.ptr = dns::parse_ptr(ptr.records.front()).value_or("");
    if (probe.ptr.empty()) co_return;
    const dns::Answer forward = co_await resolver_.query(probe.ptr, record_type(probe.family), request_.deadline);
    for (const auto& rdata : forward.records) {
      if (dns::parse_address(record_type(probe.family), rdata) == probe.address) probe.fcrdns = true;
    }
    std::string greeting = probe.result.greeting_name;
    std::transform(greeting.begin(), greeting.end(), greeting.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    if (!greeting.empty() && greeting.back() == '.') greeting.pop_back();
    probe.banner_matches_ptr = greeting == probe.ptr;
  }

  asio::awaitable<void> check_mta_sts() {
    StsReport& sts = result_.sts;
    sts.checked = true;
    const dns::Answer txt = co_await resolver_.query("_mta-sts." + request_.domain, dns::RecordType::txt, request_.deadline);
    for (const auto& rdata : txt.records) {
      const auto text = dns::parse_txt(rdata);
      if (!text) continue;
      if (auto id = sts_record_id(*text)) {
        sts.record_present = true;
        sts.id = std::move(*id);
        break;
      }
    }
    if (!sts.record_present) {
      sts.detail = "no v=STSv1 record at _mta-sts." + request_.domain;
      co_return;
    }
    if (!request_.policy_fetch.tls) {
      sts.detail = "no TLS context for the policy fetch";
      co_return;
    }
    // RFC 8461 3.3 allows a sender 10 seconds at most for the fetch.
    const auto deadline = std::min(request_.deadline, Clock::now() + std::chrono::seconds(10));
    PolicyFetch fetch = co_await fetch_policy(request_.domain, request_.policy_fetch, resolver_, deadline);
    if (!fetch.ok) {
      sts.detail = std::move(fetch.detail);
      co_return;
    }
    std::string why;
    sts.policy = parse_sts_policy(fetch.body, why);
    sts.fetched = sts.policy.has_value();
    if (!sts.fetched) sts.detail = "invalid policy: " + why;
  }

  void note(std::string text) {
    if (result_.detail.empty()) result_.detail = std::move(text);
  }

  const DomainRequest& request_;
  dns::Resolver& resolver_;
  DomainResult result_;
  std::vector<AddressProbe> found_;  // addresses as the lookups end, ordered later
  std::map<std::string, std::vector<dns::TlsaRecord>> tlsa_;  // by MX name
  std::set<std::string> tlsa_bogus_;  // MX names whose TLSA answer failed validation
};

}  // namespace

asio::awaitable<DomainResult> probe_domain(const DomainRequest& request, dns::Resolver& resolver) {
  DomainProbe probe(request, resolver);
  co_return co_await probe.run();
}

bool wants(config::IpProtocol protocol, Family family) {
  return protocol == config::IpProtocol::any || (protocol == config::IpProtocol::ip4 && family == Family::ip4) ||
         (protocol == config::IpProtocol::ip6 && family == Family::ip6);
}

dns::RecordType record_type(Family family) { return family == Family::ip4 ? dns::RecordType::a : dns::RecordType::aaaa; }

}  // namespace smtp_exporter::domain
