// Where a loop looks for its messages: an IMAP mailbox (imap_receiver.cpp) or a Maildir on this
// host (maildir_receiver.cpp). Both do the same two things: collect (find the loop's messages in
// every folder, read their headers, remove them) and wait (until something may have arrived, or
// a time).
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"
#include "imap/client.hpp"

namespace smtp_exporter::loop {

using Clock = std::chrono::steady_clock;

// Why a look into the mailbox failed: the IMAP client's reasons (imap/client.hpp) and maildir.
inline constexpr std::array<std::string_view, 10> kReceiveFailures = {
    "connect",  "tls_handshake", "tls_verify", "timeout", "closed",
    "protocol", "plaintext",     "login",      "refused", "maildir"};

// A message found, removed from the mailbox.
struct Arrival {
  std::string folder;  // "INBOX", "Junk", as the server spells it
  std::string header;  // the whole header block
  Clock::time_point seen_at;
};

struct Collected {
  std::string failure;  // "" on success, else one of kReceiveFailures
  std::string detail;   // for logs; never a secret
  std::vector<Arrival> arrivals;
  std::vector<std::string> folders;  // the folders searched
  bool ok() const { return failure.empty(); }
};

class Receiver {
 public:
  virtual ~Receiver() = default;
  // Finds the messages whose X-Smtp-Exporter-Probe header contains `token_prefix` in every folder
  // searched, reads their headers and removes them, before `deadline`.
  virtual boost::asio::awaitable<Collected> collect(const std::string& token_prefix, Clock::time_point deadline) = 0;
  // Returns at `until`, or sooner when a message may have arrived (IMAP IDLE, inotify).
  virtual boost::asio::awaitable<void> wait(Clock::time_point until) = 0;
  // Ends whatever is in progress (a collect or wait returns soon after) and the session.
  virtual void close() = 0;
};

// The IMAP folders to search when none are configured, from LIST: INBOX, then the junk folders
// (RFC 6154's \Junk, or named Junk or Spam); none that cannot be selected, and none whose name
// is not printable ASCII (it becomes the `folder` label).
std::vector<std::string> default_folders(const std::vector<imap::Folder>& listed);

// The receiver `loop` configures (one of the two below); `tls_context` for IMAP with TLS.
std::unique_ptr<Receiver> make_receiver(const boost::asio::any_io_executor& executor, const config::Loop& loop,
                                        std::shared_ptr<boost::asio::ssl::context> tls_context);
std::unique_ptr<Receiver> make_imap_receiver(const boost::asio::any_io_executor& executor,
                                             const config::LoopImap& settings,
                                             std::shared_ptr<boost::asio::ssl::context> tls_context);
std::unique_ptr<Receiver> make_maildir_receiver(const boost::asio::any_io_executor& executor, const std::string& root);

}  // namespace smtp_exporter::loop
