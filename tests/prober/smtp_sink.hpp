// Postfix's smtp-sink run from a test: a real, event-driven SMTP server on a loopback port.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include <cstdint>

namespace smtp_exporter::test {

inline constexpr const char* kSmtpSinkPath = "/usr/sbin/smtp-sink";

class SmtpSink {
 public:
  // Starts `smtp-sink [options] 127.0.0.1:PORT 16` on a free port (with `-u nobody` when run as
  // root) and waits, at most a few seconds, until it accepts. Check running() before use.
  explicit SmtpSink(const std::vector<std::string>& options = {});
  ~SmtpSink();  // SIGTERM, then waits for it (SIGKILL if it lingers)
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;
  SmtpSink(SmtpSink&&) = delete;
  SmtpSink& operator=(SmtpSink&&) = delete;

  static bool installed();
  bool running() const { return running_; }
  const std::string& why_not() const { return why_not_; }  // when not running
  std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool running_ = false;
  std::string why_not_;
};

}  // namespace smtp_exporter::test
