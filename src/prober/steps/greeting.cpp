// The greeting: read the server's first reply, all of it, before writing a byte (a client that
// talks first is dropped by postscreen and its kind). 220 goes on; 421 means the server is
// closing already; other refusals (554) still hear QUIT.
#include <regex>

#include "prober/steps/step.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::prober {

boost::asio::awaitable<StepRecord> run_greeting(Dialog& dialog, const config::Step& step) {
  StepRecord record = start_record(step);
  const auto started = Dialog::Clock::now();
  const ReplyRead read = co_await dialog.connection.reply(dialog.deadline);
  if (!take_reply(record, read, started, Failure::greeting_timeout)) {
    record.detail = "greeting: " + record.detail;
    co_return record;
  }
  dialog.result.greeting_code = record.reply_code;
  if (record.reply_code != 220) {
    record.outcome = Outcome::unexpected;
    record.failure = record.reply_code >= 400 ? Failure::greeting_rejected : Failure::protocol_error;
    record.detail = "greeting answered " + std::to_string(record.reply_code) + " instead of 220";
    co_return record;
  }
  record.outcome = Outcome::as_expected;
  const std::string_view first = smtp::first_line(read.reply.text);
  dialog.result.greeting_name = std::string(first.substr(0, first.find(' ')));
  // A banner that does not match fails the probe, but the dialog goes on: the EHLO latency is
  // still measured.
  if (const auto& expected = dialog.module.expect_banner_re) {
    const std::string_view banner = smtp::first_line(read.reply.text);
    if (!std::regex_search(banner.begin(), banner.end(), *expected)) {
      record.failure = Failure::banner_mismatch;
      record.detail = "greeting does not match expect_banner";
    }
  }
  co_return record;
}

}  // namespace smtp_exporter::prober
