// RSET: abandons the transaction the steps before it opened, so a RCPT check sends no mail.
#include "prober/steps/step.hpp"

namespace smtp_exporter::prober {
namespace {

Failure rset_failure(int, config::Expect) { return Failure::protocol_error; }

}  // namespace

boost::asio::awaitable<StepRecord> run_rset(Dialog& dialog, const config::Step& step) {
  return one_command(dialog, step, "RSET", config::Expect::accept, rset_failure, "RSET");
}

}  // namespace smtp_exporter::prober
