// A counting semaphore for coroutines: bounds the probes in flight (max_concurrent_probes).
// Single-threaded: used only from the io_context's one thread.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace smtp_exporter::scheduler {

class ProbeSlots {
 public:
  // Returned by acquire(); gives the slot back when it goes out of scope.
  class Slot {
   public:
    explicit Slot(ProbeSlots* owner) : owner_(owner) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->release();
    }

   private:
    ProbeSlots* owner_;
  };

  explicit ProbeSlots(std::size_t capacity) : capacity_(capacity) {}
  ProbeSlots(const ProbeSlots&) = delete;
  ProbeSlots& operator=(const ProbeSlots&) = delete;

  // A slot if one is free now and nobody waits for one (no coroutine: the usual case).
  std::optional<Slot> try_acquire();
  // Waits (without polling) until a slot is free.
  boost::asio::awaitable<Slot> acquire();

  void set_capacity(std::size_t capacity);  // on reload; waiters are woken as room appears
  std::size_t in_use() const { return in_use_; }
  std::size_t waiting() const { return waiters_.size(); }

 private:
  void release();
  void wake();

  std::size_t capacity_;
  std::size_t in_use_ = 0;
  std::deque<boost::asio::steady_timer*> waiters_;  // each cancelled when its slot is granted
};

}  // namespace smtp_exporter::scheduler
