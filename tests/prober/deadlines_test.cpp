// Deadlines: one timer for the deadlines of all sessions of an io_context.
#include "prober/deadlines.hpp"

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

namespace smtp_exporter::prober {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = Deadlines::Clock;

// A client socket connected to a server that never writes: a read waits until cancelled.
struct Silent {
  explicit Silent(asio::io_context& io) : acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}), client(io), server(io) {
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
  // Starts a read wait; `ended` gets its error code when it ends.
  void wait(std::optional<boost::system::error_code>& ended) {
    client.async_wait(tcp::socket::wait_read, [&ended](const boost::system::error_code& ec) { ended = ec; });
  }
  tcp::acceptor acceptor;
  tcp::socket client;
  tcp::socket server;
};

std::size_t watching(asio::io_context& io) { return asio::use_service<Deadlines>(io).watching(); }

TEST(Deadlines, CancelsTheSocketWhenTheDeadlinePasses) {
  asio::io_context io;
  Silent s(io);
  Deadlines::Watch watch(s.client);
  std::optional<boost::system::error_code> ended;
  const auto start = Clock::now();
  watch.arm(start + 50ms);
  s.wait(ended);
  io.run_for(5s);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(*ended, asio::error::operation_aborted);
  EXPECT_TRUE(watch.expired());
  EXPECT_GE(Clock::now() - start, 50ms);
  EXPECT_EQ(watching(io), 0u);
}

TEST(Deadlines, OnlyTheDueOnesExpire) {
  asio::io_context io;
  Silent due(io), later(io);
  Deadlines::Watch due_watch(due.client);
  std::optional<Deadlines::Watch> later_watch(std::in_place, later.client);
  std::optional<boost::system::error_code> due_ended, later_ended;
  due_watch.arm(Clock::now() + 20ms);
  later_watch->arm(Clock::now() + 1h);
  due.wait(due_ended);
  later.wait(later_ended);
  while (!due_ended && io.run_one_for(5s) > 0) {
  }
  EXPECT_TRUE(due_watch.expired());
  EXPECT_FALSE(later_watch->expired());
  EXPECT_FALSE(later_ended.has_value());
  EXPECT_EQ(watching(io), 1u);
  later_watch.reset();  // a session that ends unlinks itself
  EXPECT_EQ(watching(io), 0u);
  later.client.cancel();
  io.run_for(100ms);
}

// A QUIT's short deadline comes after a long one the timer already waits for.
TEST(Deadlines, AnEarlierDeadlineIsNotLate) {
  asio::io_context io;
  Silent first(io), second(io);
  Deadlines::Watch long_watch(first.client), short_watch(second.client);
  std::optional<boost::system::error_code> first_ended, second_ended;
  long_watch.arm(Clock::now() + 1h);
  short_watch.arm(Clock::now() + 20ms);
  first.wait(first_ended);
  second.wait(second_ended);
  while (!second_ended && io.run_one_for(5s) > 0) {
  }
  EXPECT_TRUE(short_watch.expired());
  EXPECT_FALSE(long_watch.expired());
  // Re-armed for a nearer deadline, the long one expires too.
  long_watch.arm(Clock::now() + 20ms);
  while (!first_ended && io.run_one_for(5s) > 0) {
  }
  EXPECT_TRUE(long_watch.expired());
  EXPECT_EQ(watching(io), 0u);
}

TEST(Deadlines, ReArmingClearsExpiry) {
  asio::io_context io;
  Silent s(io);
  Deadlines::Watch watch(s.client);
  watch.arm(Clock::now() - 1ms);  // already past: expires at the next sweep
  io.run_for(50ms);
  EXPECT_TRUE(watch.expired());
  watch.arm(Clock::now() + 1h);
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(watching(io), 1u);
}

TEST(Deadlines, AWatchGoneBeforeItsDeadlineLeavesNothing) {
  asio::io_context io;
  {
    Silent s(io);
    auto watch = std::make_unique<Deadlines::Watch>(s.client);
    watch->arm(Clock::now() + 20ms);
    watch.reset();
  }
  EXPECT_EQ(watching(io), 0u);
  io.run_for(100ms);  // the timer fires for nobody
  EXPECT_EQ(watching(io), 0u);
}

}  // namespace
}  // namespace smtp_exporter::prober
