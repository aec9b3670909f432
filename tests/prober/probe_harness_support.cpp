#include <thread>
#include "prober/probe_harness.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <regex>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace smtp_exporter::test {

namespace asio = boost::asio;

// How long past its own deadline a probe may run before the harness calls it hung.
constexpr std::chrono::seconds kHangMargin{3};

config::Module test_module(std::chrono::milliseconds qos, std::chrono::milliseconds timeout) {
  config::Module module;
  module.name = "test";
  module.qos_timeout = qos;
  module.timeout = timeout;
  module.ehlo_name = std::string(kEhloName);
  return module;
}

void set_expect_banner(config::Module& module, const std::string& regex) {
  module.expect_banner = regex;
  module.expect_banner_re = std::make_shared<const std::regex>(regex);
}

std::optional<prober::ProbeResult> run_probe(const config::Module& module, const ProbeRun& run) {
  prober::ProbeRequest request;
  request.address.host = run.host;
  request.address.port = run.port;
  request.module = std::make_shared<const config::Module>(module);
  request.deadline = prober::Clock::now() + run.deadline_in.value_or(module.timeout);
  request.record_transcript = run.record_transcript;

  asio::io_context io;
  auto result = asio::co_spawn(io, prober::probe(request), asio::use_future);
  if (run.stall_loop.count() > 0) asio::post(io, [&] { std::this_thread::sleep_for(run.stall_loop); });
  io.run_until(request.deadline + kHangMargin);
  if (result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    ADD_FAILURE() << "the probe of " << run.host << ":" << run.port << " did not end within "
                  << kHangMargin.count() << "s of its deadline";
    return std::nullopt;
  }
  return result.get();
}

std::optional<Dialog> probe_script(const Script& script, const config::Module& module, ProbeRun run) {
  ScriptedServer server(script, run.host);
  run.port = server.port();
  auto result = run_probe(module, run);
  if (!result) return std::nullopt;
  auto sessions = server.wait_sessions(1);
  if (sessions.size() != 1) {
    ADD_FAILURE() << "the scripted server recorded " << sessions.size() << " sessions, not 1";
    return std::nullopt;
  }
  return Dialog{std::move(*result), std::move(sessions.front())};
}

Verdict verdict_of(const prober::ProbeResult& result, const config::Module& module) {
  return classify::classify(result, module.qos_timeout);
}

Verdict failed(Failure reason, bool ehlo_success) {
  return {Event::failed, false, ehlo_success, reason};
}

}  // namespace smtp_exporter::test

namespace smtp_exporter::prober {
void PrintTo(Failure failure, std::ostream* os) { *os << failure_name(failure); }
}  // namespace smtp_exporter::prober

namespace smtp_exporter::classify {
bool operator==(const Verdict& a, const Verdict& b) {
  return a.event == b.event && a.probe_success == b.probe_success && a.ehlo_success == b.ehlo_success &&
         a.reason == b.reason;
}
void PrintTo(Event event, std::ostream* os) { *os << kEventNames[event_index(event)]; }
void PrintTo(const Verdict& v, std::ostream* os) {
  *os << "{event " << kEventNames[event_index(v.event)] << ", probe_success " << v.probe_success
      << ", ehlo_success " << v.ehlo_success << ", reason " << prober::failure_name(v.reason) << "}";
}
}  // namespace smtp_exporter::classify
