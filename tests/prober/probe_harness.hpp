// Running one probe in a test: a module with small timeouts, a bounded io_context run, and the
// QoS verdict, with gtest printers for the prober's and the classifier's values.
#pragma once

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "classify/qos.hpp"
#include "config/config.hpp"
#include "prober/probe_result.hpp"
#include "prober/prober.hpp"
#include "support/scripted_server.hpp"

namespace smtp_exporter::test {

using classify::Event;
using classify::Verdict;
using prober::Failure;

inline constexpr std::string_view kEhloName = "probe.example.org";

// A module as the loader would produce it, with test-sized timeouts and ehlo_name kEhloName.
config::Module test_module(std::chrono::milliseconds qos = std::chrono::milliseconds(300),
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
void set_expect_banner(config::Module& module, const std::string& regex);

struct ProbeRun {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // probe_script() fills in its server's
  bool record_transcript = false;
  // The hard deadline, from the start; the module's timeout if unset.
  std::optional<std::chrono::milliseconds> deadline_in;
  // Blocks the event loop this long right after the probe started connecting, as a busy
  // exporter's loop runs late: the connection and the greeting arrive meanwhile.
  std::chrono::milliseconds stall_loop{0};
};
inline ProbeRun to(std::uint16_t port, std::string host = "127.0.0.1") {
  ProbeRun run;
  run.host = std::move(host);
  run.port = port;
  return run;
}

// Runs one probe to completion on a fresh io_context. If it has not finished a few seconds
// after its own deadline, that is a test failure and the result is nullopt.
std::optional<prober::ProbeResult> run_probe(const config::Module& module, const ProbeRun& run);

Verdict verdict_of(const prober::ProbeResult& result, const config::Module& module);

// One probe against a fresh ScriptedServer running `script`, and the server's record of it.
struct Dialog {
  prober::ProbeResult result;
  SessionRecord server;
};
// nullopt (after a gtest failure) if the probe hung or the server saw no session end.
std::optional<Dialog> probe_script(const Script& script, const config::Module& module, ProbeRun run = {});

// Expected verdicts.
inline const Verdict kSuccess{Event::success, true, true, Failure::none};
inline const Verdict kQosWarning{Event::qos_warning, true, true, Failure::none};
Verdict failed(Failure reason, bool ehlo_success = false);

}  // namespace smtp_exporter::test

// Equality and printers so that EXPECT_EQ on these values says what differed.
namespace smtp_exporter::prober {
void PrintTo(Failure failure, std::ostream* os);
}  // namespace smtp_exporter::prober
namespace smtp_exporter::classify {
bool operator==(const Verdict& a, const Verdict& b);
void PrintTo(Event event, std::ostream* os);
void PrintTo(const Verdict& verdict, std::ostream* os);
}  // namespace smtp_exporter::classify
