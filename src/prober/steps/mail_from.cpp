// MAIL FROM:<address> opens a transaction ("" is the null sender, <>).
#include "prober/steps/step.hpp"
#include "smtp/command.hpp"

namespace smtp_exporter::prober {
namespace {

Failure mail_from_failure(int, config::Expect) { return Failure::mail_from_rejected; }

}  // namespace

boost::asio::awaitable<StepRecord> run_mail_from(Dialog& dialog, const config::Step& step) {
  return one_command(dialog, step, smtp::mail_from_command(step.address), step.expect, mail_from_failure, "MAIL FROM");
}

}  // namespace smtp_exporter::prober
