// The deadlines of all SMTP sessions of one io_context, on one timer.
//
// A session links a Deadlines::Watch (its deadline and its socket) into a set ordered by
// deadline. One timer waits for the earliest deadline; when it passes, the socket of every
// session that is due is cancelled, and the operation it was waiting for reports the timeout.
// The timer is re-armed only for a deadline earlier than the one it waits for, and a session
// that ends early just unlinks itself: the probes of interval mode cost a few timer operations
// a second, not several each (bench/NOTES.md).
//
// Not synchronised: the io_context is run by one thread (main() does so, as do the tests).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/set.hpp>

namespace smtp_exporter::prober {

class Deadlines : public boost::asio::execution_context::service {
 public:
  using Clock = std::chrono::steady_clock;
  using key_type = Deadlines;
  static boost::asio::execution_context::id id;

  // One session's deadline. Calls `cancel` (which cancels the session's socket, whatever kind
  // it is) once the armed deadline has passed.
  class Watch : public boost::intrusive::set_base_hook<boost::intrusive::link_mode<boost::intrusive::normal_link>> {
   public:
    Watch(const boost::asio::any_io_executor& executor, std::function<void()> cancel);
    explicit Watch(boost::asio::ip::tcp::socket& socket);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // Operations from here on end by `deadline`. Re-arming for the same deadline costs nothing.
    void arm(Clock::time_point deadline);
    bool expired() const { return expired_; }

   private:
    friend class Deadlines;
    Deadlines& owner_;
    boost::asio::any_io_executor executor_;
    std::function<void()> cancel_;
    Clock::time_point deadline_ = Clock::time_point::min();
    bool linked_ = false;
    bool expired_ = false;
  };

  explicit Deadlines(boost::asio::execution_context& context);

  std::size_t watching() const { return watches_.size(); }  // for tests

 private:
  struct ByDeadline {
    bool operator()(const Watch& a, const Watch& b) const { return a.deadline_ < b.deadline_; }
  };
  using Set = boost::intrusive::multiset<Watch, boost::intrusive::compare<ByDeadline>>;

  void shutdown() override;
  void link(Watch& watch);
  void unlink(Watch& watch);
  void wait_for(Clock::time_point at, const boost::asio::any_io_executor& executor);
  void sweep();  // the timer fired: expire what is due, wait for the next

  Set watches_;
  std::optional<boost::asio::steady_timer> timer_;  // made on the first watch's executor
  Clock::time_point waiting_for_ = Clock::time_point::max();  // max: the timer does not wait
  bool shut_down_ = false;
};

}  // namespace smtp_exporter::prober
