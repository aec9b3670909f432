// Interval mode: one coroutine per target runs its probe every interval, at a stable offset
// within the interval (from a hash of the target's name) so start times spread evenly.
// Offsets sit on a grid of kTick: the probes due within the same tick start on one wake-up of
// the event loop and their network events tend to share wake-ups too, which halves the CPU per
// probe at thousands of targets (bench/RESULTS.md). A probe starts at most one tick from the
// exact spread, which nobody can see at intervals of seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace smtp_exporter::scheduler {

using Clock = std::chrono::steady_clock;

// FNV-1a of `key`: the same on every run and machine (spreads start times, picks shards).
std::uint64_t stable_hash(std::string_view key);

inline constexpr Clock::duration kTick = std::chrono::milliseconds(10);

// Stable offset of `key` within `interval`, a multiple of kTick (when the interval is longer).
Clock::duration stable_offset(std::string_view key, Clock::duration interval);

class IntervalLoop {
 public:
  // One run, told the time it was due.
  using Job = std::function<boost::asio::awaitable<void>(Clock::time_point due)>;

  // Starts the loop. `on_skip` is called once per due time missed because the previous run
  // was still going. The loop lives until stop() (a stopped loop runs no new job).
  static std::shared_ptr<IntervalLoop> start(boost::asio::any_io_executor executor, std::string_view key,
                                             Clock::duration interval, Job job, std::function<void()> on_skip);
  void stop();
  bool stopped() const { return stopped_; }

  explicit IntervalLoop(boost::asio::any_io_executor executor) : timer_(executor) {}

 private:
  static boost::asio::awaitable<void> run(std::shared_ptr<IntervalLoop> self, Clock::time_point first,
                                          Clock::duration interval, Job job, std::function<void()> on_skip);
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace smtp_exporter::scheduler
