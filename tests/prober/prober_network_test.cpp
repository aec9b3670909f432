// Connecting: refused and unanswered connects, address families and name resolution.
#include <gtest/gtest.h>

#include "prober/probe_harness.hpp"

namespace smtp_exporter::test {
namespace {

using namespace std::chrono_literals;

Script healthy() {
  return Script().send("220 mx.example.org ESMTP\r\n").expect_line().send("250 mx.example.org\r\n").expect_line().send(
      "221 bye\r\n");
}

TEST(ProberNetwork, NobodyListeningIsConnectRefused) {
  const auto module = test_module();
  const auto r = run_probe(module, to(unused_port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::connect_refused) << r->detail;
  EXPECT_TRUE(r->peer_address.empty());
  EXPECT_EQ(r->greeting_code, 0);
  EXPECT_LT(r->total_seconds, 0.3);
  EXPECT_EQ(verdict_of(*r, module), failed(Failure::connect_refused));
}

TEST(ProberNetwork, UnansweredConnectTimesOutAtTwiceQos) {
  const FullListener listener;
  if (!listener.ok()) GTEST_SKIP() << "this kernel answers connects to a full accept queue";
  const auto module = test_module(200ms, 2000ms);
  const auto r = run_probe(module, to(listener.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::connect_timeout) << r->detail;
  EXPECT_TRUE(r->peer_address.empty());
  EXPECT_GE(r->total_seconds, 0.39);
  EXPECT_LT(r->total_seconds, 1.0);
  EXPECT_EQ(verdict_of(*r, module), failed(Failure::connect_timeout));
}

TEST(ProberNetwork, ProbesAnIpv6Literal) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback (::1) here";
  const auto module = test_module();
  const auto d = probe_script(healthy(), module, to(0, "::1"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << d->result.detail;
  EXPECT_EQ(d->result.peer_address, "::1");
  EXPECT_EQ(verdict_of(d->result, module), kSuccess);
}

TEST(ProberNetwork, ResolvesLocalhostToIpv4WhenAskedTo) {
  ScriptedServer server(healthy(), "127.0.0.1");
  auto module = test_module();
  module.ip_protocol = config::IpProtocol::ip4;
  const auto r = run_probe(module, to(server.port(), "localhost"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::none) << r->detail;
  EXPECT_EQ(r->peer_address, "127.0.0.1");
  EXPECT_EQ(verdict_of(*r, module), kSuccess);
}

TEST(ProberNetwork, TriesEachResolvedAddressUntilOneAnswers) {
  // With ip_protocol auto, "localhost" may resolve to ::1 too, where nobody listens on this
  // port: the probe must go on to 127.0.0.1.
  ScriptedServer server(healthy(), "127.0.0.1");
  const auto module = test_module();
  const auto r = run_probe(module, to(server.port(), "localhost"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::none) << r->detail;
  EXPECT_EQ(r->peer_address, "127.0.0.1");
}

TEST(ProberNetwork, AddressOfTheWrongFamilyIsAResolveFailure) {
  ScriptedServer server(healthy(), "127.0.0.1");
  struct Case {
    const char* host;
    config::IpProtocol family;
  };
  for (const Case c : {Case{"127.0.0.1", config::IpProtocol::ip6}, Case{"::1", config::IpProtocol::ip4}}) {
    SCOPED_TRACE(c.host);
    auto module = test_module();
    module.ip_protocol = c.family;
    const auto r = run_probe(module, to(server.port(), c.host));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->failure, Failure::resolve) << r->detail;
    EXPECT_TRUE(r->peer_address.empty());
    EXPECT_LT(r->total_seconds, 0.1);
    EXPECT_EQ(verdict_of(*r, module), failed(Failure::resolve));
  }
  EXPECT_TRUE(server.wait_sessions(1, 200ms).empty());  // no connection was even tried
}

}  // namespace
}  // namespace smtp_exporter::test
