#include "prober/smtp_sink.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/sockets.hpp"

extern char** environ;

namespace smtp_exporter::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartCap = std::chrono::seconds(5);
constexpr auto kStopCap = std::chrono::seconds(2);
constexpr auto kPoll = std::chrono::milliseconds(20);

// True once the child has exited (and is reaped).
bool reaped(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == pid; }

}  // namespace

bool SmtpSink::installed() { return ::access(kSmtpSinkPath, X_OK) == 0; }

SmtpSink::SmtpSink(const std::vector<std::string>& options) {
  if (!installed()) {
    why_not_ = std::string(kSmtpSinkPath) + " is not installed (Debian package postfix)";
    return;
  }
  port_ = unused_port();
  std::vector<std::string> args{kSmtpSinkPath};
  if (::geteuid() == 0) args.insert(args.end(), {"-u", "nobody"});  // it refuses to run as root
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("127.0.0.1:" + std::to_string(port_));
  args.push_back("16");  // listen backlog
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const int spawned = ::posix_spawn(&pid_, kSmtpSinkPath, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    why_not_ = "posix_spawn " + std::string(kSmtpSinkPath) + " failed";
    return;
  }
  for (const auto until = Clock::now() + kStartCap; Clock::now() < until;) {
    if (accepts_connections("127.0.0.1", port_)) {
      running_ = true;
      return;
    }
    if (reaped(pid_)) {
      pid_ = -1;
      why_not_ = "smtp-sink exited at start (port " + std::to_string(port_) + " taken?)";
      return;
    }
    std::this_thread::sleep_for(kPoll);
  }
  why_not_ = "smtp-sink did not accept connections within 5s";
}

SmtpSink::~SmtpSink() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGTERM);
  for (const auto until = Clock::now() + kStopCap; Clock::now() < until;) {
    if (reaped(pid_)) return;
    std::this_thread::sleep_for(kPoll);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace smtp_exporter::test
