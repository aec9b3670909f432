#include "prober/deadlines.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

namespace smtp_exporter::prober {

namespace asio = boost::asio;

asio::execution_context::id Deadlines::id;

Deadlines::Deadlines(asio::execution_context& context) : asio::execution_context::service(context) {}

void Deadlines::shutdown() {
  // The timer's own service is newer than this one, so it goes first when the context is
  // destroyed: the timer must not outlive this call.
  shut_down_ = true;
  timer_.reset();
}

Deadlines::Watch::Watch(const asio::any_io_executor& executor, std::function<void()> cancel)
    : owner_(asio::use_service<Deadlines>(asio::query(executor, asio::execution::context))),
      executor_(executor),
      cancel_(std::move(cancel)) {}

Deadlines::Watch::Watch(asio::ip::tcp::socket& socket)
    : Watch(socket.get_executor(), [&socket] {
        boost::system::error_code ignored;
        socket.cancel(ignored);
      }) {}

Deadlines::Watch::~Watch() {
  if (linked_) owner_.unlink(*this);
}

void Deadlines::Watch::arm(Clock::time_point deadline) {
  if (deadline == deadline_) return;
  if (linked_) owner_.unlink(*this);
  deadline_ = deadline;
  expired_ = false;
  owner_.link(*this);
}

void Deadlines::link(Watch& watch) {
  watches_.insert(watch);
  watch.linked_ = true;
  if (watch.deadline_ < waiting_for_) wait_for(watch.deadline_, watch.executor_);
}

void Deadlines::unlink(Watch& watch) {
  watches_.erase(watches_.iterator_to(watch));
  watch.linked_ = false;  // the timer may still wait for its deadline: it finds nothing then
}

void Deadlines::wait_for(Clock::time_point at, const asio::any_io_executor& executor) {
  if (shut_down_) return;
  if (!timer_) timer_.emplace(executor);
  waiting_for_ = at;
  timer_->expires_at(at);  // a wait in progress ends with operation_aborted
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) sweep();
  });
}

void Deadlines::sweep() {
  const auto now = Clock::now();
  while (!watches_.empty() && watches_.begin()->deadline_ <= now) {
    Watch& due = *watches_.begin();
    unlink(due);
    due.expired_ = true;
    due.cancel_();  // what the session waits for ends, and it sees expired()
  }
  waiting_for_ = Clock::time_point::max();
  if (!watches_.empty()) wait_for(watches_.begin()->deadline_, watches_.begin()->executor_);
}

}  // namespace smtp_exporter::prober
