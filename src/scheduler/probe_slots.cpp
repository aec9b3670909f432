#include "scheduler/probe_slots.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smtp_exporter::scheduler {

namespace asio = boost::asio;

std::optional<ProbeSlots::Slot> ProbeSlots::try_acquire() {
  if (in_use_ >= capacity_ || !waiters_.empty()) return std::nullopt;
  ++in_use_;
  return std::optional<Slot>(std::in_place, this);
}

asio::awaitable<ProbeSlots::Slot> ProbeSlots::acquire() {
  std::optional<Slot> free_now = try_acquire();
  if (free_now) co_return std::move(*free_now);
  // Wait on a timer that never expires; wake() cancels it once the slot is ours.
  asio::steady_timer ticket(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
  waiters_.push_back(&ticket);
  // If this coroutine is destroyed while waiting (at shutdown), leave no dangling ticket behind.
  struct Unlist {
    std::deque<asio::steady_timer*>& waiters;
    asio::steady_timer* ticket;
    ~Unlist() { std::erase(waiters, ticket); }
  } unlist{waiters_, &ticket};
  co_await ticket.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return Slot(this);  // wake() has counted it already
}

void ProbeSlots::release() {
  --in_use_;
  wake();
}

void ProbeSlots::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  wake();
}

void ProbeSlots::wake() {
  while (in_use_ < capacity_ && !waiters_.empty()) {
    asio::steady_timer* next = waiters_.front();
    waiters_.pop_front();
    ++in_use_;
    next->cancel();
  }
}

}  // namespace smtp_exporter::scheduler
