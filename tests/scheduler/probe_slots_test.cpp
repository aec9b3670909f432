// ProbeSlots: the bound on probes in flight.
#include "scheduler/probe_slots.hpp"

#include <optional>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace smtp_exporter::scheduler {
namespace {

namespace asio = boost::asio;

TEST(ProbeSlots, TryAcquireTakesAFreeSlotAndGivesItBack) {
  ProbeSlots slots(2);
  std::optional<ProbeSlots::Slot> a = slots.try_acquire();
  std::optional<ProbeSlots::Slot> b = slots.try_acquire();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(slots.in_use(), 2u);
  EXPECT_FALSE(slots.try_acquire());  // full
  a.reset();
  EXPECT_EQ(slots.in_use(), 1u);
  EXPECT_TRUE(slots.try_acquire());  // taken and given back at once
  EXPECT_EQ(slots.in_use(), 1u);
}

// A waiter is served before a newcomer: try_acquire does not jump the queue.
TEST(ProbeSlots, WaitersComeFirst) {
  asio::io_context io;
  ProbeSlots slots(1);
  std::optional<ProbeSlots::Slot> held = slots.try_acquire();
  bool waiter_got_it = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto slot = co_await slots.acquire();
        waiter_got_it = true;
      },
      asio::detached);
  io.poll();
  EXPECT_EQ(slots.waiting(), 1u);
  held.reset();  // the slot goes to the waiter
  EXPECT_FALSE(slots.try_acquire());
  io.poll();
  EXPECT_TRUE(waiter_got_it);
  EXPECT_EQ(slots.in_use(), 0u);  // the waiter's coroutine ended and gave it back
  EXPECT_TRUE(slots.try_acquire());
}

}  // namespace
}  // namespace smtp_exporter::scheduler
