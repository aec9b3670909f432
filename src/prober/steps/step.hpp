// The steps of an SMTP dialog: one file per kind in this folder, one signature for all.
//
// A step writes and reads through the Dialog's connection and returns a StepRecord: what came
// back and whether that was what the step expected. The driver (prober.cpp) runs them in order
// and stops at the first that was not. Adding a kind: its line in SMTP_EXPORTER_STEP_KINDS
// (prober/vocabulary.hpp), a file here defining run_<kind>, and its keys in config/load.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"
#include "prober/connection.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::prober {

// What every step works with: the connection, the module, and the result being filled.
struct Dialog {
  using Clock = std::chrono::steady_clock;

  Connection& connection;
  const config::Module& module;
  ProbeResult& result;
  std::string tls_server_name;                     // SNI and the name verified
  bool keep_chain = false;                         // keep the presented chain in the TLS facts
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // made on first use when null
  Clock::time_point deadline;       // the running step's; the driver sets it
  Clock::time_point last_ehlo_at;   // arrival of the final line of the last EHLO reply

  // The TLS handshake (implicit TLS before the greeting, or after STARTTLS): times the tls
  // phase and keeps the facts in result.tls.
  boost::asio::awaitable<TlsUpgrade> handshake();
};

using StepFunction = boost::asio::awaitable<StepRecord> (*)(Dialog&, const config::Step&);

#define SMTP_EXPORTER_DECLARE_STEP(kind) \
  boost::asio::awaitable<StepRecord> run_##kind(Dialog& dialog, const config::Step& step);
SMTP_EXPORTER_STEP_KINDS(SMTP_EXPORTER_DECLARE_STEP)
#undef SMTP_EXPORTER_DECLARE_STEP

// The function that runs steps of `kind`.
StepFunction step_function(StepKind kind);

// --- Shared by the steps.

// A record for `step` that has not run yet.
StepRecord start_record(const config::Step& step);

// Fills the reply code, the enhanced status code and the duration from a reply read; for a
// read that failed, the outcome (timeout or protocol_error), `on_timeout` as the failure of a
// timeout, and the detail. Returns whether a reply came.
bool take_reply(StepRecord& record, const ReplyRead& read, Dialog::Clock::time_point started, Failure on_timeout);

// Judges a reply code against what the step expects (accept: 2xx, reject: 5xx, defer: 4xx)
// and sets the outcome; `failure_of` names the failure for the code when unexpected.
void judge(StepRecord& record, config::Expect expect, Failure (*failure_of)(int code, config::Expect expect));

// A step of one command and one reply: sends `line`, takes the reply and judges it against
// `expect`; `what` names the command in the detail ("RCPT TO answered 550 5.1.1").
boost::asio::awaitable<StepRecord> one_command(Dialog& dialog, const config::Step& step, std::string line,
                                               config::Expect expect,
                                               Failure (*failure_of)(int code, config::Expect expect),
                                               std::string_view what);

// "RCPT TO answered 550 5.1.1" for details.
std::string answered(std::string_view what, const StepRecord& record);

}  // namespace smtp_exporter::prober
