// DATA and the message (RFC 5321 4.1.1.4): DATA must be answered 354, then the message goes
// (CRLF lines, leading dots doubled, the end mark: smtp::data_text) and the reply to the end mark
// says whether the server took responsibility for it (250). The mail loop sends its probe
// message with this step; the 250's arrival starts its round trip.
#include "prober/steps/step.hpp"
#include "smtp/command.hpp"

namespace smtp_exporter::prober {
namespace {

Failure data_failure(int, config::Expect) { return Failure::data_rejected; }

}  // namespace

boost::asio::awaitable<StepRecord> run_data(Dialog& dialog, const config::Step& step) {
  StepRecord record = start_record(step);
  const auto started = Dialog::Clock::now();
  const ReplyRead go_ahead = co_await dialog.connection.command("DATA", dialog.deadline);
  if (!take_reply(record, go_ahead, started, Failure::step_timeout)) co_return record;
  if (record.reply_code != 354) {
    // 4xx and 5xx refuse; anything else is not an answer DATA can have.
    const int kind = record.reply_code / 100;
    record.outcome = Outcome::unexpected;
    record.failure = kind == 4 || kind == 5 ? Failure::data_rejected : Failure::protocol_error;
    record.detail = answered("DATA", record);
    co_return record;
  }
  const std::string text = smtp::data_text(step.message);
  const std::string shown = "(the message: " + std::to_string(text.size()) + " bytes, then \".\")";
  const ReplyRead taken = co_await dialog.connection.message(text, dialog.deadline, shown);
  if (!take_reply(record, taken, started, Failure::step_timeout)) co_return record;
  judge(record, config::Expect::accept, data_failure);
  if (record.outcome != Outcome::as_expected) record.detail = answered("the message", record);
  co_return record;
}

}  // namespace smtp_exporter::prober
