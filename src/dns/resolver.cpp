#include "dns/resolver.hpp"

#include <unbound.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smtp_exporter::dns {
namespace {

namespace asio = boost::asio;

constexpr const char* kDebianRootKey = "/usr/share/dns/root.key";

// "127.0.0.1:5353" or "[::1]:53" -> libunbound's "127.0.0.1@5353", "::1@53".
std::string unbound_address(const std::string& server) {
  std::string host = server;
  std::string port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos) return server;
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    port = host.substr(host.find(':') + 1);
    host = host.substr(0, host.find(':'));
  }
  return port.empty() ? host : host + "@" + port;
}

void set_option(ub_ctx* ctx, const char* name, const std::string& value) {
  if (const int rc = ub_ctx_set_option(ctx, name, value.c_str()); rc != 0) {
    throw std::runtime_error(std::string("DNS resolver option ") + name + " " + value + ": " + ub_strerror(rc));
  }
}

// The local zones libunbound answers itself by default (unbound.conf(5), "local-zone"): turned
// off when the configured servers are to be asked about them.
constexpr const char* kDefaultLocalZones[] = {
    "localhost.", "127.in-addr.arpa.", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    "home.arpa.", "onion.", "test.", "invalid.", "10.in-addr.arpa.", "16.172.in-addr.arpa.",
    "17.172.in-addr.arpa.", "18.172.in-addr.arpa.", "19.172.in-addr.arpa.", "20.172.in-addr.arpa.",
    "21.172.in-addr.arpa.", "22.172.in-addr.arpa.", "23.172.in-addr.arpa.", "24.172.in-addr.arpa.",
    "25.172.in-addr.arpa.", "26.172.in-addr.arpa.", "27.172.in-addr.arpa.", "28.172.in-addr.arpa.",
    "29.172.in-addr.arpa.", "30.172.in-addr.arpa.", "31.172.in-addr.arpa.", "168.192.in-addr.arpa.",
    "0.in-addr.arpa.", "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
    "113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", "d.f.ip6.arpa.",
    "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
    "local.", "resolver.arpa.", "service.arpa."};

}  // namespace

std::string_view status_name(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::no_data: return "no_data";
    case Status::nxdomain: return "nxdomain";
    case Status::servfail: return "servfail";
    case Status::bogus: return "bogus";
    case Status::timeout: return "timeout";
    case Status::error: return "error";
  }
  return "error";
}

// One lookup in flight: its answer, and a timer used as an event (cancelled when it came).
struct Resolver::Pending {
  explicit Pending(const asio::any_io_executor& executor) : done(executor, Clock::time_point::max()) {}
  asio::steady_timer done;
  Answer answer;
  bool finished = false;
  std::size_t max_records = 0;
  Resolver* owner = nullptr;
  int id = 0;
};

Resolver::Resolver(const asio::any_io_executor& executor, const ResolverOptions& options)
    : ctx_(ub_ctx_create()), results_(executor), max_records_(options.max_records) {
  if (ctx_ == nullptr) throw std::runtime_error("DNS resolver: ub_ctx_create failed");
  try {
    // A thread, not a forked process, resolves: results come back on ub_fd either way.
    if (const int rc = ub_ctx_async(ctx_, 1); rc != 0) throw std::runtime_error(std::string("DNS resolver: ") + ub_strerror(rc));
    set_option(ctx_, "cache-max-ttl:", "300");
    set_option(ctx_, "cache-min-ttl:", "0");
    // libunbound's 4 MB defaults hold the answers of a few hundred domains: 1,000 domains of
    // 4 MX x 2 addresses (18,000 answers a cycle, signatures included) evicted each other and
    // every cycle asked everything again (bench part 9). Filled as used, not reserved.
    set_option(ctx_, "rrset-cache-size:", "64m");
    set_option(ctx_, "msg-cache-size:", "32m");
    if (options.servers.empty()) {
      if (const int rc = ub_ctx_resolvconf(ctx_, nullptr); rc != 0) {
        throw std::runtime_error(std::string("DNS resolver: reading /etc/resolv.conf: ") + ub_strerror(rc));
      }
    } else {
      // "nodefault" set through ub_ctx_set_option is taken as part of the zone's name and does
      // nothing (libunbound 1.17); "transparent" lets the queries through to the servers.
      for (const char* zone : kDefaultLocalZones) set_option(ctx_, "local-zone:", std::string(zone) + " transparent");
      set_option(ctx_, "unblock-lan-zones:", "yes");  // the reverse zones of private ranges too
      for (const auto& server : options.servers) {
        if (const int rc = ub_ctx_set_fwd(ctx_, unbound_address(server).c_str()); rc != 0) {
          throw std::runtime_error("DNS resolver: server " + server + ": " + ub_strerror(rc));
        }
      }
    }
    std::string anchors = options.validate ? options.trust_anchor_file : "";
    if (anchors.empty() && options.validate && std::filesystem::exists(kDebianRootKey)) anchors = kDebianRootKey;
    if (!anchors.empty()) {
      if (const int rc = ub_ctx_add_ta_file(ctx_, anchors.c_str()); rc != 0) {
        throw std::runtime_error("DNS resolver: trust anchor file " + anchors + ": " + ub_strerror(rc));
      }
    }
    const int fd = ::dup(ub_fd(ctx_));
    if (fd < 0) throw std::runtime_error("DNS resolver: cannot duplicate its descriptor");
    results_.assign(fd);
  } catch (...) {
    ub_ctx_delete(ctx_);
    throw;
  }
}

Resolver::~Resolver() {
  boost::system::error_code ignored;
  results_.close(ignored);
  for (auto& [key, pending] : pending_) pending->owner = nullptr;
  ub_ctx_delete(ctx_);  // cancels what is in flight; no callback runs after it
}

void Resolver::on_result(void* data, int error, ::ub_result* result) {
  auto* pending = static_cast<Pending*>(data);
  Answer& answer = pending->answer;
  if (error != 0) {
    answer.status = Status::error;
    answer.detail = ub_strerror(error);
  } else {
    answer.secure = result->secure != 0;
    answer.ttl = result->ttl > 0 ? static_cast<std::uint32_t>(result->ttl) : 0;
    if (result->bogus) {
      answer.status = Status::bogus;
      answer.detail = result->why_bogus != nullptr ? result->why_bogus : "DNSSEC validation failed";
    } else if (result->havedata) {
      answer.status = Status::ok;
      for (std::size_t i = 0; result->data[i] != nullptr; ++i) {
        ++answer.record_count;
        if (answer.records.size() >= pending->max_records) continue;
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(result->data[i]);
        answer.records.emplace_back(bytes, bytes + result->len[i]);
      }
    } else if (result->nxdomain) {
      answer.status = Status::nxdomain;
    } else if (result->rcode != 0) {
      answer.status = Status::servfail;
      answer.detail = "rcode " + std::to_string(result->rcode);
    } else {
      answer.status = Status::no_data;
    }
  }
  if (result != nullptr) ub_resolve_free(result);
  pending->finished = true;
  pending->done.cancel();
  if (pending->owner != nullptr) pending->owner->pending_.erase(pending);  // last: may free `pending`
}

void Resolver::wait_for_results() {
  if (waiting_ || pending_.empty()) return;
  waiting_ = true;
  // The handler runs after the resolver is gone when the destructor closed the descriptor.
  results_.async_wait(asio::posix::stream_descriptor::wait_read,
                      [this, alive = std::weak_ptr<void>(alive_)](const boost::system::error_code& ec) {
    if (alive.expired()) return;
    waiting_ = false;
    if (ec) return;  // cancelled: nothing left to wait for
    ub_process(ctx_);
    wait_for_results();
  });
}

asio::awaitable<Answer> Resolver::query(std::string name, RecordType type, Clock::time_point deadline) {
  auto pending = std::make_shared<Pending>(co_await asio::this_coro::executor);
  pending->max_records = max_records_;
  pending->owner = this;
  int id = 0;
  if (const int rc = ub_resolve_async(ctx_, name.c_str(), static_cast<int>(type), 1 /* IN */, pending.get(),
                                      &Resolver::on_result, &id);
      rc != 0) {
    pending->answer.detail = ub_strerror(rc);
    co_return pending->answer;
  }
  pending->id = id;
  pending_.emplace(pending.get(), pending);
  wait_for_results();
  pending->done.expires_at(deadline);
  co_await pending->done.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!pending->finished) {
    // ub_cancel fails only when the result is already queued: then its callback still runs
    // and finds `pending` kept alive in pending_.
    if (ub_cancel(ctx_, id) == 0) pending_.erase(pending.get());
    boost::system::error_code ignored;
    if (pending_.empty()) results_.cancel(ignored);  // nothing left to wait for
    Answer timed_out;
    timed_out.status = Status::timeout;
    timed_out.detail = "no answer for " + name + " before the deadline";
    co_return timed_out;
  }
  co_return std::move(pending->answer);
}

}  // namespace smtp_exporter::dns
