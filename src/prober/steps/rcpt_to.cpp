// RCPT TO:<address>: does the server take mail for this recipient? 250 and 251 accept, 5xx
// refuse (550 5.1.1 unknown user, 554 5.7.1 relay denied), 4xx defer (greylisting). A foreign
// recipient that is accepted is an open relay.
#include "prober/steps/step.hpp"
#include "smtp/command.hpp"

namespace smtp_exporter::prober {
namespace {

Failure rcpt_failure(int code, config::Expect) {
  switch (code / 100) {
    case 2: return Failure::rcpt_accepted;
    case 4: return Failure::rcpt_deferred;
    default: return Failure::rcpt_rejected;
  }
}

}  // namespace

boost::asio::awaitable<StepRecord> run_rcpt_to(Dialog& dialog, const config::Step& step) {
  return one_command(dialog, step, smtp::rcpt_to_command(step.address), step.expect, rcpt_failure, "RCPT TO");
}

}  // namespace smtp_exporter::prober
