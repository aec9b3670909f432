// STARTTLS (RFC 3207): only if advertised (a missing STARTTLS is how a downgrade shows), 220
// to go ahead, then the handshake. What the server said before TLS is forgotten; the driver
// says EHLO again.
#include <algorithm>

#include "prober/steps/step.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::prober {

boost::asio::awaitable<StepRecord> run_starttls(Dialog& dialog, const config::Step& step) {
  StepRecord record = start_record(step);
  const auto keywords = smtp::ehlo_keywords(dialog.result.ehlo_text);
  if (std::find(keywords.begin(), keywords.end(), "STARTTLS") == keywords.end()) {
    record.outcome = Outcome::unexpected;
    record.failure = Failure::starttls_not_offered;
    record.detail = "STARTTLS is not advertised";
    co_return record;
  }
  const auto started = Dialog::Clock::now();
  const ReplyRead read = co_await dialog.connection.command("STARTTLS", dialog.deadline);
  const bool replied = take_reply(record, read, started, Failure::starttls_rejected);
  dialog.result.phase_seconds[static_cast<std::size_t>(Phase::starttls)] = record.seconds;
  if (!replied) {
    record.failure = Failure::starttls_rejected;
    record.detail = "STARTTLS: " + record.detail;
    co_return record;
  }
  if (record.reply_code != 220) {
    record.outcome = Outcome::unexpected;
    record.failure = Failure::starttls_rejected;
    record.detail = answered("STARTTLS", record);
    co_return record;
  }
  if (dialog.connection.has_unread_bytes()) {  // plaintext injected before TLS (CVE-2011-0411-style)
    record.outcome = Outcome::protocol_error;
    record.failure = Failure::protocol_error;
    record.detail = "data after the STARTTLS reply, before TLS";
    record.server_closing = true;
    co_return record;
  }
  const TlsUpgrade upgrade = co_await dialog.handshake();
  if (upgrade.failure != Failure::none) {
    record.outcome = Outcome::unexpected;
    record.failure = upgrade.failure;
    record.detail = upgrade.detail;
    record.server_closing = true;  // the session is broken now: no QUIT in clear or in TLS
    co_return record;
  }
  record.outcome = Outcome::as_expected;
  dialog.result.ehlo_text.clear();  // RFC 3207: forget what was said before TLS
  co_return record;
}

}  // namespace smtp_exporter::prober
