// The loop's receiving side on the mail host itself: a Maildir (INBOX is the Maildir, Junk and
// Spam its Maildir++ folders .Junk and .Spam where they exist). Each look reads the header of
// every message file not seen before in new/ and cur/, takes the loop's and unlinks them;
// between looks inotify says when a file arrives.
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "loop/message.hpp"
#include "loop/receiver.hpp"

namespace smtp_exporter::loop {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr std::size_t kMaxHeader = 256 * 1024;  // a message's header read at most
constexpr std::size_t kRememberedOthers = 100000;  // files known not to be the loop's

// The header of the message in `path` (up to its blank line, at most kMaxHeader bytes).
std::optional<std::string> read_header_of(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::string header;
  std::string line;
  while (header.size() < kMaxHeader && std::getline(file, line)) {
    header += line;
    header += '\n';
    if (line.empty() || line == "\r") break;
  }
  return header;
}

class MaildirReceiver final : public Receiver {
 public:
  MaildirReceiver(const asio::any_io_executor& executor, std::string root)
      : root_(std::move(root)), inotify_(executor), timer_(executor) {}

  ~MaildirReceiver() override { close(); }

  asio::awaitable<Collected> collect(const std::string& token_prefix, Clock::time_point) override {
    Collected collected;
    std::error_code ec;
    if (!fs::is_directory(root_ / "new", ec) || !fs::is_directory(root_ / "cur", ec)) {
      collected.failure = "maildir";
      collected.detail = root_.string() + " is not a Maildir (no new/ and cur/)";
      co_return collected;
    }
    for (const auto& [folder, dir] : folders()) {
      collected.folders.push_back(folder);
      watch(dir);
      for (const char* sub : {"new", "cur"}) {
        for (const auto& entry : fs::directory_iterator(dir / sub, ec)) {
          if (!entry.is_regular_file(ec) || others_.contains(entry.path().filename().string())) continue;
          const auto header = read_header_of(entry.path());
          if (!header) continue;  // gone meanwhile (moved to cur/, or expunged)
          const HeaderFacts facts = read_header(*header);
          if (!facts.token || token_prefix != loop::token_prefix(facts.token->instance, facts.token->loop)) {
            remember_other(entry.path().filename().string());
            continue;
          }
          collected.arrivals.push_back({folder, *header, Clock::now()});
          fs::remove(entry.path(), ec);
        }
      }
    }
    co_return collected;
  }

  asio::awaitable<void> wait(Clock::time_point until) override {
    if (closed_) co_return;
    timer_.expires_at(until);
    if (!inotify_.is_open()) {
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return;
    }
    // Whichever comes first: a file event, or `until` (which cancels the wait for events).
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && inotify_.is_open()) inotify_.cancel();
    });
    co_await inotify_.async_wait(asio::posix::stream_descriptor::wait_read, asio::as_tuple(asio::use_awaitable));
    timer_.cancel();
    std::array<char, 4096> events;  // what happened does not matter: the next look reads the folders
    while (inotify_.is_open() && ::read(inotify_.native_handle(), events.data(), events.size()) > 0) {
    }
  }

  void close() override {
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    inotify_.close(ignored);
  }

 private:
  std::vector<std::pair<std::string, fs::path>> folders() const {
    std::vector<std::pair<std::string, fs::path>> out = {{"INBOX", root_}};
    std::error_code ec;
    for (const char* name : {"Junk", "Spam"}) {
      const fs::path dir = root_ / (std::string(".") + name);
      if (fs::is_directory(dir / "new", ec)) out.emplace_back(name, dir);
    }
    return out;
  }

  // Watches new/ and cur/ of `dir` for arriving files, once.
  void watch(const fs::path& dir) {
    if (closed_ || watched_.contains(dir.string())) return;
    if (!inotify_.is_open()) {
      const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (fd < 0) return;  // no inotify: the waits are plain timers
      inotify_.assign(fd);
    }
    for (const char* sub : {"new", "cur"}) {
      ::inotify_add_watch(inotify_.native_handle(), (dir / sub).c_str(), IN_CREATE | IN_MOVED_TO);
    }
    watched_.insert(dir.string());
  }

  void remember_other(std::string name) {
    if (others_.size() >= kRememberedOthers) others_.clear();  // read them again once, rather than grow
    others_.insert(std::move(name));
  }

  fs::path root_;
  asio::posix::stream_descriptor inotify_;
  asio::steady_timer timer_;
  std::set<std::string> watched_;
  std::set<std::string> others_;  // file names read before that are not the loop's
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Receiver> make_maildir_receiver(const asio::any_io_executor& executor, const std::string& root) {
  return std::make_unique<MaildirReceiver>(executor, root);
}

}  // namespace smtp_exporter::loop
