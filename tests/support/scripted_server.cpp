#include "support/scripted_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <string_view>
#include <system_error>
#include <utility>

namespace smtp_exporter::test {

Script& Script::add(Step step) {
  steps_.push_back(std::move(step));
  return *this;
}
Script& Script::send(std::string bytes) { return add({Step::Kind::send, std::move(bytes), {}}); }
Script& Script::drip(std::string bytes, Millis gap) { return add({Step::Kind::drip, std::move(bytes), gap}); }
Script& Script::pause(Millis length) { return add({Step::Kind::pause, {}, length}); }
Script& Script::expect_line(Millis cap) { return add({Step::Kind::expect_line, {}, cap}); }
Script& Script::drain(Millis cap) { return add({Step::Kind::drain, {}, cap}); }
Script& Script::close() { return add({Step::Kind::close, {}, {}}); }
Script& Script::reset() { return add({Step::Kind::reset, {}, {}}); }
Script& Script::drop_early_talkers() {
  drop_early_ = true;
  return *this;
}

namespace {

using Clock = std::chrono::steady_clock;

// The longest a poll() blocks, so that the server's stop() is noticed promptly.
constexpr Millis kSlice{20};
// Caps on what one session may do, whatever the script says.
constexpr Millis kWriteCap{3000};      // a write the client does not read
constexpr Millis kCloseWait{1000};     // after our FIN, for the client's
constexpr std::size_t kMaxLine = 65536;            // a client line without LF
constexpr std::size_t kMaxRecorded = 1024 * 1024;  // chunk bytes kept per session

std::string errno_text(int err) { return std::generic_category().message(err); }

int ceil_ms(Clock::duration d) {
  return static_cast<int>(std::chrono::ceil<Millis>(d).count());
}

// One accepted connection running the script.
class Connection {
 public:
  Connection(Fd fd, const Script& script, const std::atomic<bool>& stopping)
      : fd_(std::move(fd)), script_(script), stopping_(stopping), accepted_(Clock::now()) {}

  SessionRecord run() {
    for (const auto& step : script_.steps()) {
      if (!run_step(step)) break;
    }
    close_gracefully();  // also when the steps ran out; a no-op after close or reset
    if (!partial_.empty()) record_.lines.push_back(std::move(partial_));
    record_.duration = since_accept();
    return std::move(record_);
  }

 private:
  Millis since_accept() const {
    return std::chrono::duration_cast<Millis>(Clock::now() - accepted_);
  }
  void note(std::string what) {
    record_.events.push_back(std::to_string(since_accept().count()) + "ms " + std::move(what));
  }

  // False when the session must end.
  bool run_step(const Script::Step& step) {
    using Kind = Script::Step::Kind;
    switch (step.kind) {
      case Kind::send:
        return write(step.bytes);
      case Kind::drip:
        for (std::size_t i = 0; i < step.bytes.size(); ++i) {
          if (!write(std::string_view(step.bytes).substr(i, 1))) return false;
          const bool last = i + 1 == step.bytes.size();
          if (!last && !watch(Clock::now() + step.time, true, [] { return false; })) return false;
        }
        return true;
      case Kind::pause:
        return watch(Clock::now() + step.time, true, [] { return false; });
      case Kind::expect_line: {
        const auto has_line = [this] { return record_.lines.size() > lines_taken_; };
        if (!watch(Clock::now() + step.time, false, has_line)) return false;
        if (!has_line()) {
          record_.violations.push_back("no client line within " + std::to_string(step.time.count()) + "ms");
          return false;
        }
        ++lines_taken_;
        return true;
      }
      case Kind::drain:
        if (!watch(Clock::now() + step.time, false, [] { return false; })) return false;
        note("drain cap reached");
        return true;
      case Kind::close:
        close_gracefully();
        return false;
      case Kind::reset: {
        const linger abort_now{1, 0};
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now);
        fd_.reset();
        note("reset sent");
        return false;
      }
    }
    return false;
  }

  // FIN first, then take in what the client still sends until it closes (capped): closing
  // with unread bytes would turn our FIN into a reset.
  void close_gracefully() {
    if (fd_.get() < 0) return;
    ::shutdown(fd_.get(), SHUT_WR);
    if (!record_.client_closed) watch(Clock::now() + kCloseWait, false, [] { return false; });
    fd_.reset();
  }

  // Polls until `until` or until done(), taking in whatever the client sends; bytes taken in
  // while `early` count as early talk. False if the session must end (the client closed,
  // talked early on a strict script, or the server is stopping).
  bool watch(Clock::time_point until, bool early, const std::function<bool()>& done) {
    for (;;) {
      if (done()) return true;
      if (stopping_) {
        note("server stopping");
        return false;
      }
      const auto now = Clock::now();
      if (now >= until) return true;
      pollfd p{fd_.get(), POLLIN, 0};
      const int r = ::poll(&p, 1, ceil_ms(std::min<Clock::duration>(until - now, kSlice)));
      if (r < 0 && errno != EINTR) {
        note("poll failed: " + errno_text(errno));
        return false;
      }
      if (r > 0 && !take_in(early)) return false;
    }
  }

  bool take_in(bool early) {
    char buffer[4096];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
      record_.client_closed = true;
      note("client connection failed: " + errno_text(errno));
      return false;
    }
    if (n == 0) {
      record_.client_closed = true;
      note("client closed");
      return false;
    }
    const std::string_view got(buffer, static_cast<std::size_t>(n));
    if (recorded_ < kMaxRecorded) {
      record_.chunks.push_back({since_accept(), sent_, std::string(got)});
      recorded_ += got.size();
    }
    for (char c : got) {
      partial_ += c;
      if (c == '\n') record_.lines.push_back(std::exchange(partial_, {}));
    }
    if (partial_.size() > kMaxLine) {
      record_.violations.push_back("client line longer than " + std::to_string(kMaxLine) + " octets");
      return false;
    }
    if (early) {
      record_.early_bytes += got.size();
      if (script_.drops_early_talkers()) {
        record_.violations.push_back("client wrote " + std::to_string(got.size()) + " bytes after " +
                                     std::to_string(sent_) + " server bytes, before the reply was complete");
        return false;
      }
    }
    return true;
  }

  bool write(std::string_view bytes) {
    const auto cap = Clock::now() + kWriteCap;
    while (!bytes.empty()) {
      if (stopping_) return false;
      const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent_ += static_cast<std::size_t>(n);
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        note("write failed: " + errno_text(errno));
        return false;
      }
      if (Clock::now() >= cap) {
        note("write stalled: the client does not read");
        return false;
      }
      pollfd p{fd_.get(), POLLIN | POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(kSlice.count())) > 0 && (p.revents & POLLIN) != 0 && !take_in(false)) {
        return false;
      }
    }
    return true;
  }

  Fd fd_;
  const Script& script_;
  const std::atomic<bool>& stopping_;
  const Clock::time_point accepted_;
  SessionRecord record_;
  std::string partial_;         // client bytes after the last LF
  std::size_t lines_taken_ = 0; // lines consumed by expect_line
  std::size_t sent_ = 0;
  std::size_t recorded_ = 0;
};

}  // namespace

ScriptedServer::ScriptedServer(Script script, const std::string& bind_address)
    : script_(std::move(script)),
      server_(bind_address, [this](Fd connection, const std::atomic<bool>& stopping) {
        return Connection(std::move(connection), script_, stopping).run();
      }) {}

}  // namespace smtp_exporter::test
