#include "prober/steps/step.hpp"

#include <array>

#include "prober/tls.hpp"
#include "smtp/command.hpp"

namespace smtp_exporter::prober {

namespace asio = boost::asio;

StepFunction step_function(StepKind kind) {
#define SMTP_EXPORTER_STEP_ENTRY(kind) &run_##kind,
  static constexpr std::array<StepFunction, kStepKindCount> functions = {
      SMTP_EXPORTER_STEP_KINDS(SMTP_EXPORTER_STEP_ENTRY)};
#undef SMTP_EXPORTER_STEP_ENTRY
  return functions[static_cast<std::size_t>(kind)];
}

StepRecord start_record(const config::Step& step) {
  StepRecord record;
  record.name = step.name.empty() ? std::string(step_kind_name(step.kind)) : step.name;
  record.kind = step.kind;
  return record;
}

bool take_reply(StepRecord& record, const ReplyRead& read, Dialog::Clock::time_point started, Failure on_timeout) {
  record.seconds = std::max(0.0, std::chrono::duration<double>(read.at - started).count());
  record.replied_at = read.at;
  if (!read.ok()) {
    record.outcome = read.status == ReplyRead::Status::timeout ? Outcome::timeout : Outcome::protocol_error;
    record.failure = read.status == ReplyRead::Status::timeout ? on_timeout : Failure::protocol_error;
    record.detail = read.detail;
    record.server_closing = true;  // a timeout or a broken connection: no QUIT after it
    return false;
  }
  record.reply_code = read.reply.code;
  record.enhanced_code = smtp::enhanced_status_code(read.reply.code, read.reply.text);
  record.server_closing = read.reply.code == 421;
  return true;
}

void judge(StepRecord& record, config::Expect expect, Failure (*failure_of)(int code, config::Expect expect)) {
  const int kind = record.reply_code / 100;
  const bool as_expected = (expect == config::Expect::accept && kind == 2) ||
                           (expect == config::Expect::reject && kind == 5) ||
                           (expect == config::Expect::defer && kind == 4);
  if (as_expected) {
    record.outcome = Outcome::as_expected;
    return;
  }
  record.outcome = Outcome::unexpected;
  // A code outside 2xx-5xx is not an answer to any command: the server broke the protocol.
  record.failure = kind >= 2 && kind <= 5 ? failure_of(record.reply_code, expect) : Failure::protocol_error;
}

asio::awaitable<StepRecord> one_command(Dialog& dialog, const config::Step& step, std::string line,
                                        config::Expect expect, Failure (*failure_of)(int code, config::Expect expect),
                                        std::string_view what) {
  StepRecord record = start_record(step);
  const auto started = Dialog::Clock::now();
  const ReplyRead read = co_await dialog.connection.command(line, dialog.deadline);
  if (!take_reply(record, read, started, Failure::step_timeout)) co_return record;
  judge(record, expect, failure_of);
  if (record.outcome != Outcome::as_expected) record.detail = answered(what, record);
  co_return record;
}

std::string answered(std::string_view what, const StepRecord& record) {
  std::string text(what);
  text += " answered " + std::to_string(record.reply_code);
  if (!record.enhanced_code.empty()) text += " " + record.enhanced_code;
  return text;
}

asio::awaitable<TlsUpgrade> Dialog::handshake() {
  const auto started = Clock::now();
  TlsUpgrade upgrade;
  try {
    if (!tls_context) tls_context = make_tls_context(module.tls_config);
  } catch (const std::exception& e) {
    upgrade.failure = Failure::tls_handshake;
    upgrade.detail = e.what();
  }
  if (upgrade.failure == Failure::none) {
    upgrade = co_await connection.upgrade_to_tls(*tls_context, tls_server_name, module.tls_config.insecure_skip_verify,
                                                 deadline, result.tls);
    if (keep_chain && result.tls) result.tls->chain_der = connection.peer_chain_der();
  }
  result.phase_seconds[static_cast<std::size_t>(Phase::tls)] =
      std::chrono::duration<double>(Clock::now() - started).count();
  co_return upgrade;
}

}  // namespace smtp_exporter::prober
