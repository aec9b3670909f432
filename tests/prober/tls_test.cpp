// The prober's TLS: STARTTLS and implicit TLS against in-process servers. Scripted plaintext
// servers cover the refusals and the broken handshakes (454, garbage or silence instead of a
// ServerHello, plaintext injected after the 220); a real OpenSSL server with certificates made
// at test time covers the handshakes that succeed or fail verification, and the facts read.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "prober/probe_harness.hpp"
#include "prober/smtp_sink.hpp"
#include "prober/tls_server.hpp"
#include "smtp/reply.hpp"

namespace smtp_exporter::test {
namespace {

using namespace std::chrono_literals;
using prober::Phase;
using Lines = std::vector<std::string>;

const std::string kGreeting = "220 mx.example.org ESMTP ready\r\n";
const std::string kEhloWithStarttls = "250-mx.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
const std::string kEhloLine = "EHLO probe.example.org\r\n";
const std::string kStarttlsLine = "STARTTLS\r\n";
const std::string kQuitLine = "QUIT\r\n";
const std::string kGoAhead = "220 2.0.0 Ready to start TLS\r\n";

double phase(const prober::ProbeResult& r, Phase p) { return r.phase_seconds[static_cast<std::size_t>(p)]; }

bool has(const Lines& list, const std::string& item) { return std::find(list.begin(), list.end(), item) != list.end(); }

// The transcript, for failure messages.
std::string transcript(const prober::ProbeResult& r) {
  std::string out = "detail: " + r.detail + "\n";
  for (const auto& line : r.transcript) {
    out += std::to_string(line.at_seconds) + " " + line.direction + " " + line.text + "\n";
  }
  return out;
}

config::Module tls_module(config::TlsMode mode, const std::string& ca_file, std::chrono::milliseconds qos = 1000ms,
                          std::chrono::milliseconds timeout = 3000ms) {
  auto module = test_module(qos, timeout);
  module.tls = mode;
  module.tls_config.ca_file = ca_file;
  return module;
}

ProbeRun with_transcript(ProbeRun run = {}) {
  run.record_transcript = true;
  return run;
}

// Greeting, EHLO answered with STARTTLS advertised, then STARTTLS read; what follows is the test's.
Script up_to_starttls() {
  return Script().send(kGreeting).expect_line().send(kEhloWithStarttls).expect_line();
}

// Bytes the client sent after its STARTTLS line (its ClientHello, if any).
std::string bytes_after_starttls(const SessionRecord& server) {
  std::string all;
  for (const auto& chunk : server.chunks) all += chunk.bytes;
  const auto at = all.find(kStarttlsLine);
  return at == std::string::npos ? std::string() : all.substr(at + kStarttlsLine.size());
}

// ---- plaintext servers: STARTTLS missing, refused, or followed by no real TLS ----

TEST(ProberTls, StarttlsNotAdvertisedBySmtpSinkFailsTheProbe) {
  if (!SmtpSink::installed()) GTEST_SKIP() << kSmtpSinkPath << " is not installed (Debian package postfix)";
  SmtpSink sink;  // smtp-sink never advertises STARTTLS
  ASSERT_TRUE(sink.running()) << sink.why_not();
  const auto module = tls_module(config::TlsMode::starttls, "");
  const auto r = run_probe(module, with_transcript(to(sink.port())));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, Failure::starttls_not_offered) << transcript(*r);
  EXPECT_EQ(r->greeting_code, 220);
  EXPECT_EQ(r->ehlo_code, 250);
  EXPECT_FALSE(has(smtp::ehlo_keywords(r->ehlo_text), "STARTTLS"));
  EXPECT_TRUE(has(smtp::ehlo_keywords(r->ehlo_text), "PIPELINING"));
  EXPECT_FALSE(r->tls);
  EXPECT_EQ(phase(*r, Phase::starttls), 0.0);
  EXPECT_EQ(phase(*r, Phase::tls), 0.0);
  EXPECT_GT(phase(*r, Phase::quit), 0.0);  // the server still hears QUIT
  EXPECT_EQ(verdict_of(*r, module), failed(Failure::starttls_not_offered));
}

TEST(ProberTls, Starttls454IsRejectedAndQuitIsSent) {
  const auto module = tls_module(config::TlsMode::starttls, "");
  const auto d = probe_script(up_to_starttls()
                                  .send("454 4.7.0 TLS not available due to local problem\r\n")
                                  .expect_line()
                                  .send("221 2.0.0 bye\r\n"),
                              module, with_transcript());
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::starttls_rejected) << transcript(r);
  EXPECT_NE(r.detail.find("454"), std::string::npos) << r.detail;
  EXPECT_FALSE(r.tls);
  EXPECT_GT(phase(r, Phase::starttls), 0.0);
  EXPECT_EQ(phase(r, Phase::tls), 0.0);
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kStarttlsLine, kQuitLine}));
  EXPECT_TRUE(d->server.violations.empty()) << d->server.violations.front();
  EXPECT_EQ(verdict_of(r, module), failed(Failure::starttls_rejected));
}

TEST(ProberTls, GarbageInsteadOfServerHelloFailsTheHandshakeAtOnce) {
  const auto module = tls_module(config::TlsMode::starttls, "");  // deadline 2 x 1s
  const auto d = probe_script(up_to_starttls()
                                  .send(kGoAhead)
                                  .pause(200ms)  // the ClientHello comes in meanwhile
                                  .send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                                  .drain(3000ms),
                              module, with_transcript());
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::tls_handshake) << transcript(r);
  EXPECT_FALSE(r.tls);
  EXPECT_GT(phase(r, Phase::tls), 0.0);
  EXPECT_LT(r.total_seconds, 1.0);  // the garbage ends it, not the 2s deadline
  const std::string hello = bytes_after_starttls(d->server);
  ASSERT_FALSE(hello.empty()) << "no ClientHello after STARTTLS";
  EXPECT_EQ(hello.front(), '\x16');  // a TLS handshake record
  EXPECT_EQ(verdict_of(r, module), failed(Failure::tls_handshake));
}

TEST(ProberTls, TruncatedServerHelloEndsAtTheDialogDeadline) {
  // A handshake record header that announces 16 KiB and never delivers them: OpenSSL waits for
  // the rest, so only the prober's deadline (2 x QoS) ends the wait.
  const auto module = tls_module(config::TlsMode::starttls, "", 300ms, 3000ms);
  const auto d = probe_script(up_to_starttls()
                                  .send(kGoAhead)
                                  .pause(100ms)
                                  .send(std::string("\x16\x03\x03\x40\x00\x02\x00", 7))
                                  .drain(3000ms),
                              module, with_transcript());
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::tls_handshake) << transcript(r);
  EXPECT_GE(r.total_seconds, 0.55);
  EXPECT_LT(r.total_seconds, 0.6 + 0.5);
  EXPECT_TRUE(d->server.client_closed);  // the prober hung up; the server's drain did not run out
  EXPECT_LT(d->server.duration, 2500ms);
  EXPECT_EQ(verdict_of(r, module), failed(Failure::tls_handshake));
}

TEST(ProberTls, SilenceAfterTheGoAheadIsAHandshakeTimeoutAtTwiceQos) {
  const auto module = tls_module(config::TlsMode::starttls, "", 300ms, 3000ms);
  const auto d = probe_script(up_to_starttls().send(kGoAhead).drain(3000ms), module, with_transcript());
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::tls_handshake) << transcript(r);
  EXPECT_NE(r.detail.find("timed out"), std::string::npos) << r.detail;
  EXPECT_FALSE(r.tls);
  EXPECT_GE(r.total_seconds, 0.55);  // not before 2 x QoS ...
  EXPECT_LT(r.total_seconds, 1.1);   // ... and not much after it (the hard timeout is 3s)
  EXPECT_GT(phase(r, Phase::tls), 0.3);
  EXPECT_FALSE(bytes_after_starttls(d->server).empty()) << "no ClientHello after STARTTLS";
  EXPECT_TRUE(d->server.client_closed);
  EXPECT_EQ(verdict_of(r, module), failed(Failure::tls_handshake));
}

TEST(ProberTls, PlaintextInjectedAfterTheGoAheadIsAProtocolError) {
  // A man in the middle (or a broken server) appends a reply of its own to the 220: a client
  // that kept it would read it as the answer to its first command over TLS.
  const auto module = tls_module(config::TlsMode::starttls, "");
  const std::string injected = "250-injected.example.org\r\n250 AUTH PLAIN\r\n";
  const auto d = probe_script(up_to_starttls().send(kGoAhead + injected).drain(2000ms), module, with_transcript());
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::protocol_error) << transcript(r);
  EXPECT_FALSE(r.tls);
  EXPECT_EQ(phase(r, Phase::tls), 0.0);
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kStarttlsLine}));
  EXPECT_TRUE(bytes_after_starttls(d->server).empty()) << "the prober started TLS anyway";
  EXPECT_TRUE(d->server.client_closed);
  EXPECT_EQ(verdict_of(r, module), failed(Failure::protocol_error));
}

TEST(ProberTls, PlaintextInjectedLaterFailsTheHandshake) {
  // The same injection in a segment of its own, after the client has sent its ClientHello: the
  // prober cannot tell it from a broken ServerHello any more, but it must not succeed.
  const auto module = tls_module(config::TlsMode::starttls, "");
  const auto d = probe_script(up_to_starttls().send(kGoAhead).pause(150ms).send("250 AUTH PLAIN\r\n").drain(2000ms),
                              module, with_transcript());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::tls_handshake) << transcript(d->result);
  EXPECT_FALSE(d->result.tls);
  EXPECT_LT(d->result.total_seconds, 1.0);
}

TEST(ProberTls, NoAnswerToStarttlsEndsAtTheDialogDeadline) {
  // There is no starttls_timeout reason: a STARTTLS that is never answered counts as refused.
  const auto module = tls_module(config::TlsMode::starttls, "", 300ms, 3000ms);
  const auto d = probe_script(up_to_starttls().drain(3000ms), module, with_transcript());
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::starttls_rejected) << transcript(r);
  EXPECT_GE(r.total_seconds, 0.55);
  EXPECT_LT(r.total_seconds, 1.1);
  EXPECT_GT(phase(r, Phase::starttls), 0.3);
  EXPECT_EQ(d->server.lines, (Lines{kEhloLine, kStarttlsLine}));  // no QUIT into a silent STARTTLS
  EXPECT_EQ(verdict_of(r, module), failed(Failure::starttls_rejected));
}

TEST(ProberTls, ImplicitTlsAgainstAPlaintextServerFailsTheHandshake) {
  // Port 465 configured, a plain SMTP server there: its greeting is no ServerHello.
  const auto module = tls_module(config::TlsMode::implicit, "");
  const auto d = probe_script(Script().send(kGreeting).drain(3000ms), module, with_transcript());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::tls_handshake) << transcript(d->result);
  EXPECT_EQ(d->result.greeting_code, 0);
  EXPECT_LT(d->result.total_seconds, 1.0);
}

// ---- a real TLS server, certificates made at test time ----

class ProberTlsServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::time_t now = std::time(nullptr);
    // The CA expires before the leaf, so that the chain's earliest notAfter is not the leaf's.
    ca_ = new TestCert(TestCert::authority("smtp_exporter test CA", now - 3600, days_from_now(20) + 11));
    leaf_ = new TestCert(TestCert::leaf("mx.test", kSans, ca_, now - 3600, days_from_now(30) + 1234));
    expired_ = new TestCert(TestCert::leaf("expired.test", kSans, ca_, days_from_now(-10), days_from_now(-1) - 17));
    self_signed_ = new TestCert(TestCert::leaf("self.test", kSans, nullptr, now - 3600, days_from_now(5) + 3));
    dir_ = new TempDir();
    ca_file_ = new std::string(dir_->write("ca.pem", ca_->pem()));
  }
  static void TearDownTestSuite() {
    delete ca_file_;
    delete dir_;
    delete self_signed_;
    delete expired_;
    delete leaf_;
    delete ca_;
  }

  static TlsServerOptions server(const TestCert& leaf, TlsServerOptions::Mode mode = TlsServerOptions::Mode::starttls) {
    TlsServerOptions options;
    options.mode = mode;
    options.leaf = &leaf;
    if (&leaf != self_signed_) options.chain = {ca_};
    return options;
  }

  struct TlsDialog {
    prober::ProbeResult result;
    TlsSessionRecord server;
  };
  static std::optional<TlsDialog> probe_server(const TlsServerOptions& options, const config::Module& module) {
    TlsSmtpServer server(options);
    auto result = run_probe(module, with_transcript(to(server.port())));
    if (!result) return std::nullopt;
    auto sessions = server.wait_sessions(1);
    if (sessions.size() != 1) {
      ADD_FAILURE() << "the TLS server recorded " << sessions.size() << " sessions, not 1";
      return std::nullopt;
    }
    return TlsDialog{std::move(*result), std::move(sessions.front())};
  }

  // The facts of `cert` as presented with the test CA after it (or alone if self-signed).
  static void expect_facts_of(const prober::TlsFacts& facts, const TestCert& cert) {
    EXPECT_EQ(facts.cert_not_after, static_cast<double>(cert.not_after()));
    const std::time_t chain = &cert == self_signed_ ? cert.not_after() : std::min(cert.not_after(), ca_->not_after());
    EXPECT_EQ(facts.chain_not_after, static_cast<double>(chain));
    EXPECT_EQ(facts.subject_cn, cert.common_name());
    EXPECT_EQ(facts.issuer_cn, &cert == self_signed_ ? cert.common_name() : ca_->common_name());
    EXPECT_EQ(facts.serial, cert.serial_hex());
    EXPECT_EQ(facts.fingerprint_sha256, cert.sha256_fingerprint());
    EXPECT_TRUE(facts.version == "TLS 1.3" || facts.version == "TLS 1.2") << facts.version;
    EXPECT_FALSE(facts.cipher.empty());
  }

  static inline const std::string kSans = "DNS:localhost,IP:127.0.0.1";
  static inline const Lines kPostTlsExtensions{"PIPELINING", "AUTH", "8BITMIME"};
  static inline TestCert* ca_ = nullptr;
  static inline TestCert* leaf_ = nullptr;
  static inline TestCert* expired_ = nullptr;
  static inline TestCert* self_signed_ = nullptr;
  static inline TempDir* dir_ = nullptr;
  static inline std::string* ca_file_ = nullptr;
};

TEST_F(ProberTlsServer, StarttlsWithTheCaSucceedsAndReportsThePostTlsExtensions) {
  const auto module = tls_module(config::TlsMode::starttls, *ca_file_);
  const auto d = probe_server(server(*leaf_), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << transcript(r);
  EXPECT_EQ(r.ehlo_code, 250);
  EXPECT_EQ(smtp::ehlo_keywords(r.ehlo_text), kPostTlsExtensions);  // not the pre-TLS list with STARTTLS
  EXPECT_GT(phase(r, Phase::tls), 0.0);
  EXPECT_GT(phase(r, Phase::starttls), 0.0);
  // The greeting is stamped with the kernel's arrival time: a greeting that arrived before the
  // event loop saw the connect complete measures 0.
  EXPECT_GE(phase(r, Phase::greeting), 0.0);
  EXPECT_GT(phase(r, Phase::ehlo), 0.0);
  ASSERT_TRUE(r.ehlo_latency_seconds);
  // The QoS latency runs to the final 250 of the EHLO after TLS, so it holds every phase.
  const double phases = phase(r, Phase::connect) + phase(r, Phase::greeting) + phase(r, Phase::ehlo) +
                        phase(r, Phase::starttls) + phase(r, Phase::tls);
  EXPECT_GE(*r.ehlo_latency_seconds + 1e-3, phases);
  ASSERT_TRUE(r.tls);
  EXPECT_TRUE(r.tls->verified);
  expect_facts_of(*r.tls, *leaf_);
  EXPECT_EQ(r.tls->version, "TLS 1.3");  // both ends are this machine's OpenSSL 3

  EXPECT_TRUE(d->server.handshake_ok) << d->server.handshake_error;
  EXPECT_EQ(d->server.plain_lines, (Lines{kEhloLine, kStarttlsLine}));
  EXPECT_EQ(d->server.tls_lines, (Lines{kEhloLine, kQuitLine}));  // EHLO again, QUIT over TLS
  EXPECT_EQ(d->server.sni, "");  // the target is an address: no SNI (RFC 6066)
  EXPECT_EQ(verdict_of(r, module), kSuccess);
}

TEST_F(ProberTlsServer, ServerNameIsSentAsSniAndVerified) {
  auto module = tls_module(config::TlsMode::starttls, *ca_file_);
  module.tls_config.server_name = "localhost";
  const auto d = probe_server(server(*leaf_), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << transcript(d->result);
  ASSERT_TRUE(d->result.tls);
  EXPECT_TRUE(d->result.tls->verified);
  EXPECT_EQ(d->server.sni, "localhost");
}

TEST_F(ProberTlsServer, WithoutTheCaTheCertificateDoesNotVerifyButItsFactsAreKept) {
  const auto module = tls_module(config::TlsMode::starttls, "");  // the system trust store
  const auto d = probe_server(server(*leaf_), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::tls_verify) << transcript(r);
  ASSERT_TRUE(r.tls) << "no TLS facts after a verification failure";
  EXPECT_FALSE(r.tls->verified);
  expect_facts_of(*r.tls, *leaf_);
  EXPECT_FALSE(d->server.handshake_ok);
  EXPECT_TRUE(d->server.tls_lines.empty());
  EXPECT_EQ(verdict_of(r, module), failed(Failure::tls_verify));
}

TEST_F(ProberTlsServer, InsecureSkipVerifySucceedsAndSaysTheCertificateIsNotVerified) {
  auto module = tls_module(config::TlsMode::starttls, "");
  module.tls_config.insecure_skip_verify = true;
  const auto d = probe_server(server(*self_signed_), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << transcript(r);
  ASSERT_TRUE(r.tls);
  EXPECT_FALSE(r.tls->verified);
  expect_facts_of(*r.tls, *self_signed_);
  EXPECT_EQ(smtp::ehlo_keywords(r.ehlo_text), kPostTlsExtensions);
  EXPECT_EQ(verdict_of(r, module), kSuccess);
}

// A server that aborts the handshake with an alert after sending an unverifiable certificate
// (as OpenSMTPD 6.8 does on OpenSSL 3): with insecure_skip_verify the verification stopped
// nothing, so this is a handshake failure, not tls_verify.
TEST_F(ProberTlsServer, HandshakeAbortedByTheServerIsTlsHandshakeEvenWithAnUnverifiedCertificate) {
  auto module = tls_module(config::TlsMode::starttls, "");
  module.tls_config.insecure_skip_verify = true;
  TlsServerOptions options;
  options.leaf = &*self_signed_;
  options.max_version = TLS1_2_VERSION;  // the alert then comes before the client's handshake ends
  options.require_client_certificate = true;
  const auto d = probe_server(options, module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::tls_handshake) << transcript(d->result);
  EXPECT_NE(d->result.detail.find("TLS handshake failed"), std::string::npos) << d->result.detail;
}

TEST_F(ProberTlsServer, InsecureSkipVerifyStillReportsAGoodCertificateAsVerified) {
  auto module = tls_module(config::TlsMode::starttls, *ca_file_);
  module.tls_config.insecure_skip_verify = true;
  const auto d = probe_server(server(*leaf_), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::none) << transcript(d->result);
  ASSERT_TRUE(d->result.tls);
  EXPECT_TRUE(d->result.tls->verified);
}

TEST_F(ProberTlsServer, WrongServerNameIsTlsVerify) {
  auto module = tls_module(config::TlsMode::starttls, *ca_file_);
  module.tls_config.server_name = "mx.example.net";  // the certificate is for localhost and 127.0.0.1
  const auto d = probe_server(server(*leaf_), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::tls_verify) << transcript(r);
  EXPECT_NE(r.detail.find("mx.example.net"), std::string::npos) << r.detail;
  ASSERT_TRUE(r.tls);
  EXPECT_FALSE(r.tls->verified);
  EXPECT_EQ(d->server.sni, "");  // the server never finished its handshake
  EXPECT_EQ(verdict_of(r, module), failed(Failure::tls_verify));
}

TEST_F(ProberTlsServer, ExpiredLeafIsTlsVerifyWithItsNotAfter) {
  const auto module = tls_module(config::TlsMode::starttls, *ca_file_);
  const auto d = probe_server(server(*expired_), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::tls_verify) << transcript(r);
  EXPECT_NE(r.detail.find("expired"), std::string::npos) << r.detail;
  ASSERT_TRUE(r.tls) << "no TLS facts after a verification failure";
  EXPECT_FALSE(r.tls->verified);
  expect_facts_of(*r.tls, *expired_);  // the expiry is exactly what an alert needs to show
}

TEST_F(ProberTlsServer, SelfSignedLeafIsTlsVerify) {
  const auto module = tls_module(config::TlsMode::starttls, *ca_file_);
  const auto d = probe_server(server(*self_signed_), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::tls_verify) << transcript(d->result);
  ASSERT_TRUE(d->result.tls);
  EXPECT_FALSE(d->result.tls->verified);
}

TEST_F(ProberTlsServer, ImplicitTlsSucceeds) {
  const auto module = tls_module(config::TlsMode::implicit, *ca_file_);
  const auto d = probe_server(server(*leaf_, TlsServerOptions::Mode::implicit), module);
  ASSERT_TRUE(d);
  const auto& r = d->result;
  EXPECT_EQ(r.failure, Failure::none) << transcript(r);
  EXPECT_EQ(r.greeting_code, 220);
  EXPECT_EQ(smtp::ehlo_keywords(r.ehlo_text), kPostTlsExtensions);
  EXPECT_GT(phase(r, Phase::tls), 0.0);
  EXPECT_GT(phase(r, Phase::greeting), 0.0);
  EXPECT_EQ(phase(r, Phase::starttls), 0.0);
  ASSERT_TRUE(r.tls);
  EXPECT_TRUE(r.tls->verified);
  expect_facts_of(*r.tls, *leaf_);
  EXPECT_TRUE(d->server.plain_lines.empty());
  EXPECT_EQ(d->server.tls_lines, (Lines{kEhloLine, kQuitLine}));
  EXPECT_EQ(verdict_of(r, module), kSuccess);
}

TEST_F(ProberTlsServer, ImplicitTlsWithoutTheCaIsTlsVerify) {
  const auto module = tls_module(config::TlsMode::implicit, "");
  const auto d = probe_server(server(*leaf_, TlsServerOptions::Mode::implicit), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::tls_verify) << transcript(d->result);
  EXPECT_EQ(d->result.greeting_code, 0);
}

TEST_F(ProberTlsServer, Tls12ServerIsReportedAsTls12AndRefusedWithMinVersionTls13) {
  auto options = server(*leaf_);
  options.max_version = TLS1_2_VERSION;
  {
    const auto module = tls_module(config::TlsMode::starttls, *ca_file_);
    const auto d = probe_server(options, module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::none) << transcript(d->result);
    ASSERT_TRUE(d->result.tls);
    EXPECT_EQ(d->result.tls->version, "TLS 1.2");
    EXPECT_EQ(d->server.version, "TLSv1.2");
  }
  {
    auto module = tls_module(config::TlsMode::starttls, *ca_file_);
    module.tls_config.min_version = config::TlsVersion::tls13;
    const auto d = probe_server(options, module);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result.failure, Failure::tls_handshake) << transcript(d->result);
    EXPECT_FALSE(d->result.tls);
  }
}

TEST_F(ProberTlsServer, UnreadableCaFileIsAHandshakeFailureNotACrash) {
  const auto module = tls_module(config::TlsMode::starttls, "/nonexistent/ca.pem");
  const auto d = probe_server(server(*leaf_), module);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->result.failure, Failure::tls_handshake) << transcript(d->result);
  EXPECT_NE(d->result.detail.find("/nonexistent/ca.pem"), std::string::npos) << d->result.detail;
}

}  // namespace
}  // namespace smtp_exporter::test
