#include "scheduler/interval_loop.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smtp_exporter::scheduler {

namespace asio = boost::asio;

std::uint64_t stable_hash(std::string_view key) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Clock::duration stable_offset(std::string_view key, Clock::duration interval) {
  const std::uint64_t h = stable_hash(key);
  const auto ticks = static_cast<std::uint64_t>(interval.count());
  if (ticks == 0) return Clock::duration::zero();
  const auto offset = Clock::duration(static_cast<Clock::rep>(h % ticks));
  return interval > kTick ? offset - offset % kTick : offset;
}

std::shared_ptr<IntervalLoop> IntervalLoop::start(asio::any_io_executor executor, std::string_view key,
                                                  Clock::duration interval, Job job,
                                                  std::function<void()> on_skip) {
  auto loop = std::make_shared<IntervalLoop>(executor);
  // Due times sit on a grid of the interval with the target's offset: the first is within
  // one interval from now.
  const auto now = Clock::now();
  const auto since_epoch = now.time_since_epoch();
  const auto offset = stable_offset(key, interval);
  auto first = Clock::time_point((since_epoch / interval) * interval + offset);
  if (first < now) first += interval;
  asio::co_spawn(executor, run(loop, first, interval, std::move(job), std::move(on_skip)), asio::detached);
  return loop;
}

void IntervalLoop::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> IntervalLoop::run(std::shared_ptr<IntervalLoop> self, Clock::time_point next,
                                        Clock::duration interval, Job job, std::function<void()> on_skip) {
  while (!self->stopped_) {
    self->timer_.expires_at(next);
    co_await self->timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (self->stopped_) break;
    co_await job(next);
    next += interval;
    for (const auto now = Clock::now(); next <= now; next += interval) {
      if (self->stopped_) break;
      on_skip();  // that due time passed while the previous probe was still running
    }
  }
}

}  // namespace smtp_exporter::scheduler
