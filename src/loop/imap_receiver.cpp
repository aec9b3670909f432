// The loop's receiving side over IMAP: one session kept open between looks (logged in again when
// it broke), every folder searched for the loop's token, IDLE on the first folder between looks.
#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "imap/client.hpp"
#include "loop/message.hpp"
#include "loop/receiver.hpp"
#include "prober/prober.hpp"
#include "util/text.hpp"

namespace smtp_exporter::loop {
namespace {

namespace asio = boost::asio;

// A folder name becomes the `folder` label: printable ASCII (IMAP's modified UTF-7 is), not too
// long; a server's other names are not searched by default.
bool is_label_safe(std::string_view name) {
  return !name.empty() && name.size() <= 128 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= ' ' && c < 0x7f; });
}

}  // namespace

std::vector<std::string> default_folders(const std::vector<imap::Folder>& listed) {
  std::vector<std::string> folders = {"INBOX"};
  const auto has = [](const imap::Folder& folder, std::string_view attribute) {
    return std::any_of(folder.attributes.begin(), folder.attributes.end(),
                       [&](const std::string& a) { return util::equals_ignoring_case(a, attribute); });
  };
  for (const imap::Folder& folder : listed) {
    if (has(folder, "\\Noselect") || has(folder, "\\NonExistent") || !is_label_safe(folder.name)) continue;
    const bool junk = has(folder, "\\Junk") || util::equals_ignoring_case(folder.name, "Junk") ||
                      util::equals_ignoring_case(folder.name, "Spam");
    if (junk && std::find(folders.begin(), folders.end(), folder.name) == folders.end()) folders.push_back(folder.name);
  }
  return folders;
}

namespace {

class ImapReceiver final : public Receiver {
 public:
  ImapReceiver(const asio::any_io_executor& executor, config::LoopImap settings,
               std::shared_ptr<asio::ssl::context> tls_context)
      : executor_(executor), settings_(std::move(settings)), tls_context_(std::move(tls_context)), timer_(executor) {}

  asio::awaitable<Collected> collect(const std::string& token_prefix, Clock::time_point deadline) override {
    Collected collected;
    if (!client_) {
      const imap::Outcome connected = co_await connect(deadline);
      if (!connected.ok()) co_return failed(connected);
    }
    collected.folders = folders_;
    for (const std::string& folder : folders_) {
      const imap::Selected selected = co_await client_->select(folder, deadline);
      if (!selected.outcome.ok()) co_return failed(selected.outcome);
      selected_ = folder;
      if (selected.exists == 0) continue;
      const imap::Found found = co_await client_->search_header(kTokenHeader, token_prefix, deadline);
      if (!found.outcome.ok()) co_return failed(found.outcome);
      if (found.uids.empty()) continue;
      const imap::Fetched fetched = co_await client_->fetch_headers(found.uids, deadline);
      if (!fetched.outcome.ok()) co_return failed(fetched.outcome);
      const auto seen_at = Clock::now();
      for (const auto& [uid, header] : fetched.headers) collected.arrivals.push_back({folder, header, seen_at});
      const imap::Outcome removed = co_await client_->remove(found.uids, deadline);
      if (!removed.ok()) co_return failed(removed);
    }
    // IDLE watches the selected folder: the first (INBOX), where mail arrives.
    if (selected_ != folders_.front()) {
      const imap::Selected selected = co_await client_->select(folders_.front(), deadline);
      if (!selected.outcome.ok()) co_return failed(selected.outcome);
      selected_ = folders_.front();
    }
    co_return collected;
  }

  asio::awaitable<void> wait(Clock::time_point until) override {
    if (client_ && !closed_ && client_->has_capability("IDLE")) {
      // The server's answer to DONE may take a moment past `until`.
      const imap::Client::Idled idled = co_await client_->idle(until, until + std::chrono::seconds(30));
      if (!idled.outcome.ok()) drop_session();  // the next collect logs in again, and says why if it cannot
      co_return;
    }
    timer_.expires_at(until);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  void close() override {
    closed_ = true;
    timer_.cancel();
    if (client_) client_->close();
  }

 private:
  asio::awaitable<imap::Outcome> connect(Clock::time_point deadline) {
    client_ = std::make_unique<imap::Client>(executor_, transcript_);
    selected_.clear();
    imap::Client::Tls tls;
    tls.context = tls_context_.get();
    tls.server_name =
        settings_.tls_config.server_name.empty() ? settings_.address.host : settings_.tls_config.server_name;
    tls.insecure_skip_verify = settings_.tls_config.insecure_skip_verify;
    const imap::Client::Tls no_tls;
    const bool implicit = settings_.tls == config::TlsMode::implicit;
    // The first address of the server (an address literal as it is), as the prober resolves.
    std::string unresolved;
    const auto endpoints = co_await prober::resolve(settings_.address, config::IpProtocol::any, deadline, unresolved);
    imap::Outcome outcome;
    if (endpoints.empty()) {
      outcome.failure = imap::Failure::connect;
      outcome.detail = unresolved;
      co_return outcome;
    }
    if (implicit) outcome = co_await client_->open(endpoints.front(), tls, deadline);
    else outcome = co_await client_->open(endpoints.front(), no_tls, deadline);
    if (outcome.ok() && settings_.tls == config::TlsMode::starttls) outcome = co_await client_->starttls(tls, deadline);
    if (outcome.ok()) {
      outcome = co_await client_->login(settings_.username, settings_.password, settings_.allow_plaintext, deadline);
    }
    if (outcome.ok() && settings_.folders.empty()) {
      const auto [listed, folders] = co_await client_->list(deadline);
      outcome = listed;
      if (outcome.ok()) folders_ = default_folders(folders);
    } else if (outcome.ok()) {
      folders_ = settings_.folders;
    }
    co_return outcome;
  }

  Collected failed(const imap::Outcome& outcome) {
    Collected collected;
    collected.failure = imap::failure_name(outcome.failure);
    collected.detail = outcome.detail;
    drop_session();
    return collected;
  }

  void drop_session() {
    if (client_) client_->close();
    client_.reset();
    selected_.clear();
  }

  asio::any_io_executor executor_;
  config::LoopImap settings_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  prober::Transcript transcript_{nullptr, Clock::now()};  // kept by no one: the loop logs outcomes
  std::unique_ptr<imap::Client> client_;
  std::vector<std::string> folders_;
  std::string selected_;
  asio::steady_timer timer_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Receiver> make_imap_receiver(const asio::any_io_executor& executor, const config::LoopImap& settings,
                                             std::shared_ptr<asio::ssl::context> tls_context) {
  return std::make_unique<ImapReceiver>(executor, settings, std::move(tls_context));
}

}  // namespace smtp_exporter::loop
