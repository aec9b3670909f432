// A loop's books, without sockets or clocks of its own: which messages are out (sent, not yet
// found, not yet lost) and what a found message counts as. The rules (README,
// "Mail loops"):
//   - found within its timeout: received, with its round trip;
//   - found after its timeout: late (it was counted lost at the timeout);
//   - of this exporter instance and loop but not of this run (sent before a restart), or of this
//     run but no longer remembered: late;
//   - found again (a removal that did not take): not counted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "loop/message.hpp"

namespace smtp_exporter::loop {

class Ledger {
 public:
  using Clock = std::chrono::steady_clock;

  // `run` identifies this process's messages (Token::run); `timeout` is the loop's.
  Ledger(std::uint64_t run, Clock::duration timeout) : run_(run), timeout_(timeout) {}

  std::uint64_t run() const { return run_; }
  // The sequence number of the next message: 1, 2, ...
  std::uint64_t take_seq() { return next_seq_++; }
  // A reload may change the loop's timeout; messages out get the new one.
  void set_timeout(Clock::duration timeout) { timeout_ = timeout; }

  // The server took message `seq` (its 250 after DATA came at `accepted_at`).
  void sent(std::uint64_t seq, Clock::time_point accepted_at);

  // Gives up on the messages whose timeout has passed at `now`; returns how many.
  std::size_t expire(Clock::time_point now);

  struct Verdict {
    enum class Kind { received, late, repeated } kind = Kind::late;
    Clock::duration roundtrip{};  // received only
  };
  // What the message with `token` (of this instance and loop), seen at `seen_at`, counts as.
  Verdict found(const Token& token, Clock::time_point seen_at);

  std::size_t pending() const { return out_.size(); }
  // When the first message still out runs out of time; nullopt when none is out.
  std::optional<Clock::time_point> next_expiry() const;

 private:
  void remember(std::pair<std::uint64_t, std::uint64_t> message);

  std::uint64_t run_;
  Clock::duration timeout_;
  std::uint64_t next_seq_ = 1;
  std::map<std::uint64_t, Clock::time_point> out_;  // seq -> accepted_at
  // Messages already counted, (run, seq), oldest first, capped: a copy found again is not
  // counted twice.
  std::set<std::pair<std::uint64_t, std::uint64_t>> counted_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> counted_order_;
};

}  // namespace smtp_exporter::loop
