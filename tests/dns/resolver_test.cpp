// The resolver (libunbound on the io_context) against a scripted DNS server on loopback: the
// answers it turns into statuses, the record cap, and a server that never answers (the deadline
// holds, and the resolver serves the next query). Validation and real zones are tested end to
// end against a real authoritative server (tests/e2e).
#include "dns/resolver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace smtp_exporter::dns {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

// A UDP DNS server on 127.0.0.1 answering every question the same way, in a thread of its own.
class ScriptedDnsServer {
 public:
  enum class Mode { mx, nxdomain, servfail, silent };

  ScriptedDnsServer(Mode mode, int mx_records = 2) : mode_(mode), mx_records_(mx_records) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    socklen_t len = sizeof sin;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedDnsServer() {
    stopping_ = true;
    thread_.join();
    ::close(fd_);
  }
  ScriptedDnsServer(const ScriptedDnsServer&) = delete;
  ScriptedDnsServer& operator=(const ScriptedDnsServer&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_; }

 private:
  void serve() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      std::uint8_t buf[1500];
      sockaddr_in from{};
      socklen_t from_len = sizeof from;
      const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 12) continue;
      ++queries_;
      if (mode_ == Mode::silent) continue;
      const Bytes reply = answer(Bytes(buf, buf + n));
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }

  Bytes answer(const Bytes& query) const {
    std::size_t end = 12;  // the question: its name, then type and class
    while (end < query.size() && query[end] != 0) end += query[end] + 1u;
    end += 5;
    Bytes out(query.begin(), query.begin() + static_cast<long>(std::min(end, query.size())));
    const std::uint8_t rcode = mode_ == Mode::nxdomain ? 3 : mode_ == Mode::servfail ? 2 : 0;
    out[2] = static_cast<std::uint8_t>(0x80 | (query[2] & 0x01));  // QR, RD as asked
    out[3] = static_cast<std::uint8_t>(0x80 | rcode);               // RA
    const int count = mode_ == Mode::mx ? mx_records_ : 0;
    out[4] = 0, out[5] = 1;  // one question
    out[6] = static_cast<std::uint8_t>(count >> 8), out[7] = static_cast<std::uint8_t>(count);
    out[8] = out[9] = out[10] = out[11] = 0;
    for (int i = 0; i < count; ++i) {
      const std::string host = "mx" + std::to_string(i) + ".example.org";
      Bytes rdata = {0, static_cast<std::uint8_t>(10 + i)};
      std::size_t start = 0;
      while (start < host.size()) {
        const std::size_t dot = std::min(host.find('.', start), host.size());
        rdata.push_back(static_cast<std::uint8_t>(dot - start));
        rdata.insert(rdata.end(), host.begin() + static_cast<long>(start), host.begin() + static_cast<long>(dot));
        start = dot + 1;
      }
      rdata.push_back(0);
      const Bytes rr = {0xC0, 0x0C, 0, 15, 0, 1, 0, 0, 0, 60, 0, static_cast<std::uint8_t>(rdata.size())};
      out.insert(out.end(), rr.begin(), rr.end());
      out.insert(out.end(), rdata.begin(), rdata.end());
    }
    return out;
  }

  Mode mode_;
  int mx_records_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

ResolverOptions options_for(const ScriptedDnsServer& server, std::size_t max_records = 1000) {
  ResolverOptions options;
  options.servers = {server.address()};
  options.validate = false;
  options.max_records = max_records;
  return options;
}

// Runs one query to its end on a fresh io_context.
Answer ask(Resolver& resolver, asio::io_context& io, const std::string& name, RecordType type,
           std::chrono::milliseconds within = 2000ms) {
  auto answer = asio::co_spawn(io, resolver.query(name, type, Resolver::Clock::now() + within), asio::use_future);
  io.restart();
  const auto give_up = Resolver::Clock::now() + within + 2s;  // a hang is a failure, not a wait
  while (answer.wait_for(0s) != std::future_status::ready && Resolver::Clock::now() < give_up) io.run_one_for(50ms);
  if (answer.wait_for(0s) != std::future_status::ready) {
    ADD_FAILURE() << "the query outlived its deadline";
    return {};
  }
  return answer.get();
}

TEST(Resolver, MxAnswerIsOkAndInsecureWithoutValidation) {
  ScriptedDnsServer server(ScriptedDnsServer::Mode::mx);
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(server));
  const Answer answer = ask(resolver, io, "example.org", RecordType::mx);
  ASSERT_EQ(answer.status, Status::ok) << answer.detail;
  EXPECT_FALSE(answer.secure);
  ASSERT_EQ(answer.records.size(), 2u);
  std::vector<MxRecord> mx;  // in any order: the resolver rotates records
  for (const auto& record : answer.records) mx.push_back(parse_mx(record).value_or(MxRecord{}));
  std::sort(mx.begin(), mx.end(), [](const auto& a, const auto& b) { return a.preference < b.preference; });
  EXPECT_EQ(mx, (std::vector<MxRecord>{{10, "mx0.example.org"}, {11, "mx1.example.org"}}));
  EXPECT_EQ(answer.ttl, 60u);
}

TEST(Resolver, RecordsAreCappedAndCountedWhole) {
  ScriptedDnsServer server(ScriptedDnsServer::Mode::mx, 20);
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(server, 5));
  const Answer answer = ask(resolver, io, "example.org", RecordType::mx);
  ASSERT_EQ(answer.status, Status::ok) << answer.detail;
  EXPECT_EQ(answer.records.size(), 5u);
  EXPECT_EQ(answer.record_count, 20u);
}

TEST(Resolver, NxdomainAndServfail) {
  ScriptedDnsServer nx(ScriptedDnsServer::Mode::nxdomain);
  ScriptedDnsServer fail(ScriptedDnsServer::Mode::servfail);
  asio::io_context io;
  Resolver nx_resolver(io.get_executor(), options_for(nx));
  EXPECT_EQ(ask(nx_resolver, io, "nothing.example.org", RecordType::mx).status, Status::nxdomain);
  Resolver fail_resolver(io.get_executor(), options_for(fail));
  EXPECT_EQ(ask(fail_resolver, io, "broken.example.org", RecordType::mx).status, Status::servfail);
}

TEST(Resolver, SilentServerTimesOutAtTheDeadlineAndTheResolverGoesOn) {
  ScriptedDnsServer silent(ScriptedDnsServer::Mode::silent);
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(silent));
  const Answer answer = ask(resolver, io, "example.org", RecordType::mx, 300ms);
  EXPECT_EQ(answer.status, Status::timeout);
  EXPECT_GT(silent.queries(), 0);
  // Another lookup on the same resolver still runs to its own end.
  EXPECT_EQ(ask(resolver, io, "example.net", RecordType::mx, 300ms).status, Status::timeout);
}

// A timed-out lookup leaves the wait for libunbound's descriptor cancelled but not yet
// completed; the resolver may go (a reload that changes global.dns) before that completion runs,
// which must then touch nothing of it (AddressSanitizer would see it in the sanitizer run).
TEST(Resolver, GoesAwayWhileItsCancelledWaitIsStillQueued) {
  ScriptedDnsServer silent(ScriptedDnsServer::Mode::silent);
  asio::io_context io;
  auto resolver = std::make_unique<Resolver>(io.get_executor(), options_for(silent));
  auto answer = asio::co_spawn(io, resolver->query("example.org", RecordType::mx, Resolver::Clock::now() + 200ms),
                               asio::use_future);
  while (answer.wait_for(0s) != std::future_status::ready) io.run_one_for(50ms);
  EXPECT_EQ(answer.get().status, Status::timeout);
  resolver.reset();
  io.restart();
  io.run_for(100ms);  // the cancelled wait completes now, after the resolver is gone
}

TEST(Resolver, BadServerAddressIsRefusedAtConstruction) {
  asio::io_context io;
  ResolverOptions options;
  options.servers = {"not an address"};
  options.validate = false;
  EXPECT_THROW(Resolver(io.get_executor(), options), std::runtime_error);
}

}  // namespace
}  // namespace smtp_exporter::dns
