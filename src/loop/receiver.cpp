#include "loop/receiver.hpp"

#include "imap/client.hpp"

namespace smtp_exporter::loop {

// The IMAP client's failure reasons (but none) and maildir, in the order written once here.
static_assert([] {
  std::size_t i = 0;
#define SMTP_EXPORTER_IMAP_CHECK(name) \
  if (std::string_view(#name) != "none" && kReceiveFailures[i++] != std::string_view(#name)) return false;
  SMTP_EXPORTER_IMAP_FAILURES(SMTP_EXPORTER_IMAP_CHECK)
#undef SMTP_EXPORTER_IMAP_CHECK
  return kReceiveFailures[i] == "maildir" && i + 1 == kReceiveFailures.size();
}());

std::unique_ptr<Receiver> make_receiver(const boost::asio::any_io_executor& executor, const config::Loop& loop,
                                        std::shared_ptr<boost::asio::ssl::context> tls_context) {
  if (loop.imap) return make_imap_receiver(executor, *loop.imap, std::move(tls_context));
  return make_maildir_receiver(executor, loop.maildir);
}

}  // namespace smtp_exporter::loop
