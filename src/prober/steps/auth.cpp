// AUTH (RFC 4954): log in with a SASL mechanism the server advertises. The AUTH line and every
// answer to a 334 challenge carry the secret, so the transcript shows them redacted. A wrong
// password must be refused: `expect: reject` checks that it is.
#include <algorithm>

#include "prober/steps/step.hpp"
#include "smtp/command.hpp"
#include "smtp/sasl.hpp"

namespace smtp_exporter::prober {
namespace {

// More rounds than any of our mechanisms needs (SCRAM takes two): a server that keeps
// challenging is broken.
constexpr int kMaxChallenges = 4;

Failure auth_failure(int code, config::Expect) {
  return code / 100 == 2 ? Failure::auth_accepted : Failure::auth_rejected;
}

std::string_view configured_name(config::AuthMechanism mechanism) {
  switch (mechanism) {
    case config::AuthMechanism::plain: return "PLAIN";
    case config::AuthMechanism::login: return "LOGIN";
    case config::AuthMechanism::scram_sha_256: return "SCRAM-SHA-256";
    case config::AuthMechanism::automatic: break;
  }
  return "";
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : " ") + name;
  return text.empty() ? "none" : text;
}

StepRecord not_offered(StepRecord record, std::string detail) {
  record.outcome = Outcome::unexpected;
  record.failure = Failure::auth_not_offered;
  record.detail = std::move(detail);
  return record;
}

}  // namespace

boost::asio::awaitable<StepRecord> run_auth(Dialog& dialog, const config::Step& step) {
  StepRecord record = start_record(step);
  if (!dialog.connection.is_tls() && !step.allow_plaintext) {
    // The config refuses this; checked again because a password in clear cannot be taken back.
    record.outcome = Outcome::unexpected;
    record.failure = Failure::protocol_error;
    record.detail = "refused to send AUTH without TLS (allow_plaintext is not set)";
    co_return record;
  }
  const auto advertised = smtp::auth_mechanisms(dialog.result.ehlo_text);
  std::string mechanism(configured_name(step.mechanism));
  if (mechanism.empty()) {
    mechanism = smtp::choose_mechanism(advertised);
    if (mechanism.empty()) co_return not_offered(record, "no supported AUTH mechanism advertised (server offers: " + joined(advertised) + ")");
  } else if (std::find(advertised.begin(), advertised.end(), mechanism) == advertised.end()) {
    co_return not_offered(record, "AUTH " + mechanism + " is not advertised (server offers: " + joined(advertised) + ")");
  }
  const auto client = smtp::make_sasl_client(mechanism, step.username, step.password);

  const auto started = Dialog::Clock::now();
  std::string line = "AUTH " + mechanism;
  std::string shown = line;
  if (auto initial = client->initial_response()) {
    line += " " + *initial;
    shown += " <redacted>";
  }
  ReplyRead read = co_await dialog.connection.command(line, dialog.deadline, shown);
  for (int round = 0; read.ok() && read.reply.code == 334; ++round) {
    const auto answer = round < kMaxChallenges ? client->respond(smtp::first_line(read.reply.text)) : std::nullopt;
    if (!answer) {
      read = co_await dialog.connection.command("*", dialog.deadline);  // cancels the exchange
      take_reply(record, read, started, Failure::step_timeout);
      record.outcome = Outcome::protocol_error;
      record.failure = Failure::protocol_error;
      record.detail = "AUTH " + mechanism + ": unexpected challenge from the server";
      co_return record;
    }
    read = co_await dialog.connection.command(*answer, dialog.deadline, "<redacted>");
  }
  if (!take_reply(record, read, started, Failure::step_timeout)) co_return record;
  judge(record, step.expect, auth_failure);
  if (record.outcome != Outcome::as_expected) {
    record.detail = answered("AUTH " + mechanism, record);
  } else if (record.reply_code / 100 == 2 && !client->server_verified()) {
    record.outcome = Outcome::protocol_error;
    record.failure = Failure::protocol_error;
    record.detail = "AUTH " + mechanism + ": the server's signature does not prove it knows the password";
  }
  co_return record;
}

}  // namespace smtp_exporter::prober
