// EHLO (LHLO for LMTP), with the HELO fallback for old servers that refuse EHLO. The reply's
// text is the server's extension list, kept for the steps after it (STARTTLS, AUTH); its final
// line's arrival ends ELM's QoS latency.
#include <algorithm>

#include "prober/steps/step.hpp"
#include "smtp/command.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::prober {
namespace {

// Codes with which old servers refuse EHLO (RFC 5321 4.1.4): worth a HELO.
bool refuses_ehlo(int code) { return code == 500 || code == 501 || code == 502 || code == 550; }

}  // namespace

boost::asio::awaitable<StepRecord> run_ehlo(Dialog& dialog, const config::Step& step) {
  StepRecord record = start_record(step);
  const bool lmtp = dialog.module.protocol == config::Protocol::lmtp;
  std::string_view verb = lmtp ? "LHLO" : "EHLO";
  const auto started = Dialog::Clock::now();
  ReplyRead read = co_await dialog.connection.command(std::string(verb) + " " + dialog.module.ehlo_name, dialog.deadline);
  if (read.ok() && refuses_ehlo(read.reply.code) && dialog.module.helo_fallback && !lmtp) {
    dialog.result.helo_fallback = true;
    verb = "HELO";
    read = co_await dialog.connection.command("HELO " + dialog.module.ehlo_name, dialog.deadline);
  }
  if (!take_reply(record, read, started, Failure::ehlo_timeout)) {
    record.detail = std::string(verb) + ": " + record.detail;
    co_return record;
  }
  dialog.result.ehlo_code = record.reply_code;
  if (record.reply_code != 250) {
    record.outcome = Outcome::unexpected;
    record.failure = record.reply_code >= 400 ? Failure::ehlo_rejected : Failure::protocol_error;
    record.detail = std::string(verb) + " answered " + std::to_string(record.reply_code);
    co_return record;
  }
  record.outcome = Outcome::as_expected;
  dialog.last_ehlo_at = read.at;
  if (dialog.result.helo_fallback) {
    dialog.result.ehlo_text.clear();  // HELO's reply lists no extensions
  } else {
    dialog.result.ehlo_text = read.reply.text;
  }
  if (!dialog.connection.is_tls() && !smtp::auth_mechanisms(dialog.result.ehlo_text).empty()) {
    dialog.result.auth_offered_before_tls = true;
  }
  co_return record;
}

}  // namespace smtp_exporter::prober
