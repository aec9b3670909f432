// The loop's books: received within the timeout, lost at it, late after it or from another run,
// never counted twice.
#include "loop/ledger.hpp"

#include <gtest/gtest.h>

namespace smtp_exporter::loop {
namespace {

using namespace std::chrono_literals;
using Kind = Ledger::Verdict::Kind;
const Ledger::Clock::time_point t0{};

Token token(std::uint64_t run, std::uint64_t seq) { return {"mon1", "l", run, seq, 0}; }

TEST(Ledger, ReceivedWithinTheTimeoutWithItsRoundTrip) {
  Ledger ledger(42, 10s);
  EXPECT_EQ(ledger.take_seq(), 1u);
  EXPECT_EQ(ledger.take_seq(), 2u);
  ledger.sent(1, t0);
  ledger.sent(2, t0 + 1s);
  EXPECT_EQ(ledger.pending(), 2u);
  EXPECT_EQ(ledger.next_expiry(), t0 + 10s);
  const auto verdict = ledger.found(token(42, 2), t0 + 4s);
  EXPECT_EQ(verdict.kind, Kind::received);
  EXPECT_EQ(verdict.roundtrip, 3s);
  EXPECT_EQ(ledger.pending(), 1u);
  EXPECT_EQ(ledger.expire(t0 + 9s), 0u);
}

TEST(Ledger, LostAtTheTimeoutThenLateOnceWhenFound) {
  Ledger ledger(42, 10s);
  ledger.sent(1, t0);
  EXPECT_EQ(ledger.expire(t0 + 10s), 1u);
  EXPECT_EQ(ledger.pending(), 0u);
  EXPECT_FALSE(ledger.next_expiry());
  EXPECT_EQ(ledger.expire(t0 + 20s), 0u);  // lost once
  EXPECT_EQ(ledger.found(token(42, 1), t0 + 30s).kind, Kind::late);
  EXPECT_EQ(ledger.found(token(42, 1), t0 + 31s).kind, Kind::repeated);  // a copy not removed: not again
}

TEST(Ledger, AnotherRunsMessageIsLateAndNeverLost) {
  Ledger ledger(42, 10s);
  ledger.sent(1, t0);
  EXPECT_EQ(ledger.found(token(41, 1), t0 + 1s).kind, Kind::late);  // same seq, the run before a restart
  EXPECT_EQ(ledger.pending(), 1u);                                     // this run's 1 is still out
  EXPECT_EQ(ledger.found(token(42, 1), t0 + 2s).kind, Kind::received);
  EXPECT_EQ(ledger.found(token(42, 9), t0 + 2s).kind, Kind::late);  // never sent by this run
}

TEST(Ledger, ANewTimeoutAppliesToMessagesOut) {
  Ledger ledger(42, 10s);
  ledger.sent(1, t0);
  ledger.set_timeout(2s);
  EXPECT_EQ(ledger.expire(t0 + 2s), 1u);
}

}  // namespace
}  // namespace smtp_exporter::loop
