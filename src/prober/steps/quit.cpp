// QUIT, a polite goodbye: neither a missing 221 nor its code fails the probe.
#include "prober/steps/step.hpp"

namespace smtp_exporter::prober {

boost::asio::awaitable<StepRecord> run_quit(Dialog& dialog, const config::Step& step) {
  StepRecord record = start_record(step);
  const auto started = Dialog::Clock::now();
  const ReplyRead read = co_await dialog.connection.command("QUIT", dialog.deadline);
  take_reply(record, read, started, Failure::none);
  record.seconds = std::chrono::duration<double>(Dialog::Clock::now() - started).count();
  record.outcome = Outcome::as_expected;
  record.failure = Failure::none;
  co_return record;
}

}  // namespace smtp_exporter::prober
