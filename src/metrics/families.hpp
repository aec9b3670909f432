// Every metric family the exporter writes about its targets, described here and nowhere else:
// name, type and HELP. The values are set in writer.cpp (/metrics, from each target's state: the
// table kFamilyWriters, in the order written) and probe_text.cpp (/probe, from one probe:
// render_probe, top to bottom).
//
// One entry per fact, with how each endpoint shows it. Most facts have one stem: "smtp_" + stem on
// /metrics, "probe_smtp_" + stem on /probe, so smtp_ehlo_success and probe_smtp_ehlo_success are
// both kEhloSuccess (stem "ehlo_success"): grep for the stem. On /probe every family is a gauge
// about this one probe rather than the last, hence a HELP of its own where the words differ.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace smtp_exporter::metrics {

// A family as one endpoint writes it: `# HELP name help`, `# TYPE name type`, then its series.
struct FamilyInfo {
  std::string_view name;  // empty: not on this endpoint
  std::string_view type;  // "gauge", "counter", "histogram"
  std::string_view help;
};

struct Family {
  FamilyInfo metrics{};  // on /metrics
  FamilyInfo probe{};    // on /probe
};

namespace detail {

// A string literal as a template argument, so that names can be joined at compile time.
template <std::size_t N>
struct Literal {
  // Implicit, so that on_both<"stem"> takes a plain literal.
  constexpr Literal(const char (&s)[N]) { std::copy_n(s, N - 1, text.begin()); }
  std::array<char, N - 1> text{};
};

// prefix + stem, kept in static storage for the string_views below.
template <Literal prefix, Literal stem>
inline constexpr auto kJoined = [] {
  std::array<char, prefix.text.size() + stem.text.size()> out{};
  std::copy(stem.text.begin(), stem.text.end(), std::copy(prefix.text.begin(), prefix.text.end(), out.begin()));
  return out;
}();

template <Literal prefix, Literal stem>
constexpr std::string_view joined() {
  return {kJoined<prefix, stem>.data(), kJoined<prefix, stem>.size()};
}

}  // namespace detail

// A fact on both endpoints under one stem: "smtp_" + stem with `type` and `help` on /metrics,
// "probe_smtp_" + stem as a gauge on /probe, with `probe_help` where the words differ there.
template <detail::Literal stem>
constexpr Family on_both(std::string_view type, std::string_view help, std::string_view probe_help = {}) {
  return {.metrics = {detail::joined<"smtp_", stem>(), type, help},
          .probe = {detail::joined<"probe_smtp_", stem>(), "gauge", probe_help.empty() ? help : probe_help}};
}

// The probe's outcome; /probe has blackbox_exporter's probe_success, probe_duration_seconds and
// probe_ip_protocol.
inline constexpr Family kProbeSuccess{
    .metrics = {"smtp_probe_success", "gauge", "1 if the last probe passed every check within 2 x QoS."},
    .probe = {"probe_success", "gauge", "1 if every check passed and EHLO got its 250 within 2 x QoS."}};
inline constexpr Family kProbeDuration{
    .probe = {"probe_duration_seconds", "gauge", "Seconds the whole probe took, resolve to close."}};
inline constexpr Family kIpProtocol{
    .probe = {"probe_ip_protocol", "gauge", "IP version of the address that answered; 0 if none did."}};
inline constexpr Family kEhloSuccess = on_both<"ehlo_success">(
    "gauge", "1 if the last probe got a final 250 to EHLO/HELO within 2 x QoS.",
    "1 if a final 250 to EHLO/HELO came within 2 x QoS.");
inline constexpr Family kEhloDuration = on_both<"ehlo_duration_seconds">(
    "histogram", "QoS latency: TCP connect start to the final 250 of EHLO (or HELO).",
    "QoS latency: TCP connect start to the final 250 of EHLO (or HELO); 0 without one.");
// ELM's events: counted per event on /metrics; this probe's event as the value on /probe.
inline constexpr Family kEvents{
    .metrics = {"smtp_probe_events_total", "counter",
                "Probes by ELM event: 5510 within QoS, 5511 within 2 x QoS, 5509 failed."},
    .probe = {"probe_smtp_qos_event", "gauge",
              "ELM event of this probe: 5510 within QoS, 5511 within 2 x QoS, 5509 failed."}};
inline constexpr Family kFailures{
    .metrics = {"smtp_probe_failures_total", "counter", "Failed (5509) probes by reason."},
    .probe = {"probe_smtp_failure", "gauge", "1 for the reason this probe failed, 0 for the others."}};

// The dialog.
inline constexpr Family kPhases{
    .metrics = {"smtp_probe_phase_duration_seconds", "gauge",
                "Seconds each phase of the last probe took; 0 if it did not run."},
    .probe = {"probe_smtp_phase_duration_seconds", "gauge", "Seconds each phase took; 0 if it did not run."}};
inline constexpr Family kReplyCode = on_both<"reply_code">(
    "gauge", "Last SMTP reply code of the last probe per stage; 0 if none.",
    "Last SMTP reply code per stage; 0 if none.");
inline constexpr Family kHeloFallback = on_both<"helo_fallback">(
    "gauge", "1 if the last probe had to fall back from EHLO to HELO.",
    "1 if the server refused EHLO and HELO was used.");

// The module's steps: only for modules that have some.
inline constexpr Family kStepSuccess = on_both<"step_success">(
    "gauge", "1 if the module's step went as expected in the last probe; 0 if it did not run.",
    "1 if the module's step went as expected; 0 if it did not run.");
inline constexpr Family kStepDuration = on_both<"step_duration_seconds">(
    "gauge", "Seconds the module's step took in the last probe; 0 if it did not run.",
    "Seconds the module's step took; 0 if it did not run.");
inline constexpr Family kStepReplyCode = on_both<"step_reply_code">(
    "gauge", "Last SMTP reply code of the module's step in the last probe; 0 if none.",
    "Last SMTP reply code of the module's step; 0 if none.");

// What the server advertised.
inline constexpr Family kExtensions = on_both<"ehlo_extension_info">(
    "gauge", "EHLO keywords the server advertised in the last probe.",
    "EHLO keywords the server advertised.");
inline constexpr Family kAuthMechanisms = on_both<"auth_mechanism_info">(
    "gauge", "SASL mechanisms the server advertised in the last EHLO; unknown ones as other.",
    "SASL mechanisms the server advertised; unknown ones as other.");
inline constexpr Family kAuthBeforeTls = on_both<"auth_offered_before_tls">(
    "gauge", "1 if the last probe saw AUTH advertised on a connection without TLS.",
    "1 if AUTH was advertised on a connection without TLS.");

// From the configuration, and the clock.
inline constexpr Family kQosTimeout = on_both<"qos_timeout_seconds">(
    "gauge", "Configured QoS time; 2 x QoS is the failure limit.");
inline constexpr Family kLastRun{
    .metrics = {"smtp_probe_last_run_timestamp_seconds", "gauge",
                "Unix time the last probe finished; 0 before the first."}};

// The facts of a TLS handshake: only where one completed.
inline constexpr Family kTlsCertNotAfter = on_both<"tls_cert_not_after_timestamp_seconds">(
    "gauge", "notAfter of the server's leaf certificate (Unix time).",
    "notAfter of the leaf certificate (Unix time).");
inline constexpr Family kTlsChainNotAfter = on_both<"tls_chain_not_after_timestamp_seconds">(
    "gauge", "Earliest notAfter in the presented certificate chain (Unix time).",
    "Earliest notAfter in the presented chain (Unix time).");
inline constexpr Family kTlsVerified = on_both<"tls_cert_verified">(
    "gauge", "1 if the certificate chain and name verified in the last handshake.",
    "1 if the certificate chain and name verified.");
inline constexpr Family kTlsVersion = on_both<"tls_version_info">("gauge", "Negotiated TLS version, 1.");
inline constexpr Family kTlsCipher = on_both<"tls_cipher_info">("gauge", "Negotiated TLS cipher, 1.");
inline constexpr Family kTlsCert = on_both<"tls_cert_info">("gauge", "The server's leaf certificate, 1.");
// blackbox_exporter's names for TLS facts on /probe, so its certificate alerts and dashboards work.
inline constexpr Family kSslEarliestCertExpiry{
    .probe = {"probe_ssl_earliest_cert_expiry", "gauge", kTlsChainNotAfter.probe.help}};
inline constexpr Family kSslLastChainExpiry{
    .probe = {"probe_ssl_last_chain_expiry_timestamp_seconds", "gauge",
              "Earliest notAfter of the verified chain (Unix time)."}};
inline constexpr Family kBlackboxTlsVersion{.probe = {"probe_tls_version_info", "gauge", kTlsVersion.probe.help}};

// Mail domains. A domain target probes every (MX, address) with its module: each such session has
// every family above, with the extra labels mx, address and family ("ip4"|"ip6") (on /metrics
// from one TargetState per address; on /probe?domain= the probe_* families, with the same labels).
// The families below are the domain's own facts: on /metrics with the labels target (the domain),
// module and the target's own; on /probe as probe_<stem> without them. The values are computed in
// domain_state.cpp (summarize) and written in domain_text.cpp for both endpoints.

// A fact about a mail domain, a gauge: "smtp_" + stem on /metrics, "probe_" + stem on /probe
// (so smtp_domain_success is probe_domain_success, smtp_dane_match is probe_dane_match).
template <detail::Literal stem>
constexpr Family domain_fact(std::string_view help, std::string_view probe_help = {}) {
  return {.metrics = {detail::joined<"smtp_", stem>(), "gauge", help},
          .probe = {detail::joined<"probe_", stem>(), "gauge", probe_help.empty() ? help : probe_help}};
}

// How the domain routes mail. mx_hosts counts the MX records as found, before the max_mx cap (the
// probed hosts are those with series); an implicit MX (no MX records) and a null MX count 0.
inline constexpr Family kDomainMxHosts = domain_fact<"domain_mx_hosts">(
    "MX records found in the last probe, before the max_mx cap; 0 for an implicit or null MX.",
    "MX records found, before the max_mx cap; 0 for an implicit or null MX.");
// {family="ip4"|"ip6"}, both always present.
inline constexpr Family kDomainAddresses = domain_fact<"domain_addresses">(
    "Addresses of the MX hosts probed in the last probe, by family.", "Addresses of the MX hosts probed, by family.");
inline constexpr Family kDomainAddressesUp = domain_fact<"domain_addresses_up">(
    "Probed addresses whose session passed (smtp_probe_success 1) in the last probe, by family.",
    "Probed addresses whose session passed (probe_success 1), by family.");
// A sender falls back through the MX list, so one passing address gets its mail in.
inline constexpr Family kDomainSuccess = domain_fact<"domain_success">(
    "1 if at least one probed address passed in the last probe, or the domain has the null MX it is expected to "
    "have.",
    "1 if at least one probed address passed, or the domain has the null MX it is expected to have.");
inline constexpr Family kDomainNullMx = domain_fact<"domain_null_mx">(
    "1 if the domain publishes a null MX (RFC 7505): it accepts no mail.");
// {reason} over domain::kDnsFailureNames, every reason present.
inline constexpr Family kDomainDnsFailure = domain_fact<"domain_dns_failure">(
    "1 for the reason the domain's mail could not be routed in the last probe, 0 for the others.",
    "1 for the reason the domain's mail could not be routed, 0 for the others.");
// {aspect} over kConsistencyAspects (domain_state.hpp, where each aspect is defined), all present;
// 1 also when fewer than two addresses tell.
inline constexpr Family kDomainConsistent = domain_fact<"domain_consistent">(
    "1 if every probed address agreed on the aspect in the last probe, 0 if some differed.",
    "1 if every probed address agreed on the aspect, 0 if some differed.");
// Only on /probe, like probe_duration_seconds (which, per address, is that session's time).
inline constexpr Family kDomainDuration{
    .probe = {"probe_domain_duration_seconds", "gauge",
              "Seconds the whole domain probe took: DNS, every session, MTA-STS and DANE."}};

// MTA-STS (RFC 8461): only for a target that checks it, and only once it was checked (not after a
// DNS failure or for a null MX).
inline constexpr Family kMtaStsPolicyPresent = domain_fact<"mta_sts_policy_present">(
    "1 if _mta-sts.<domain> has a v=STSv1 TXT record.");
inline constexpr Family kMtaStsFetchSuccess = domain_fact<"mta_sts_fetch_success">(
    "1 if the MTA-STS policy was fetched over HTTPS and parsed.");
// {mode="enforce"|"testing"|"none"}, all present.
inline constexpr Family kMtaStsMode = domain_fact<"mta_sts_mode">(
    "Mode of the MTA-STS policy, 1 for the current one; all 0 without a policy.");
inline constexpr Family kMtaStsMaxAge = domain_fact<"mta_sts_max_age_seconds">(
    "max_age of the MTA-STS policy in seconds; 0 without a policy.");
// {mx}: only with a policy. Whether the MX's certificate is valid for its name, which an
// enforce-mode sender also requires, is smtp_tls_cert_verified of its addresses.
inline constexpr Family kMtaStsMxCovered = domain_fact<"mta_sts_mx_covered">(
    "1 if an mx pattern of the MTA-STS policy matches the MX host name.");
// {id}: one series, from the TXT record; the id changes when the policy does.
inline constexpr Family kMtaStsPolicyId = domain_fact<"mta_sts_policy_id_info">(
    "The id of the _mta-sts TXT record, 1.");

// DANE (RFC 7672): only for a target that checks it, per probed MX host.
inline constexpr Family kDaneTlsaRecords = domain_fact<"dane_tlsa_records">(
    "Usable TLSA records of the MX host (usages 2 and 3); 0 in an insecure zone.");
inline constexpr Family kDaneDnssecSecure = domain_fact<"dane_dnssec_secure">(
    "1 if the TLSA answer for the MX host validated with DNSSEC.");
// {mx,address}: only for an MX with usable records and an address whose session had TLS, and
// 0 for every address of an MX whose TLSA answer was bogus (a DANE sender skips that MX).
inline constexpr Family kDaneMatch = domain_fact<"dane_match">(
    "1 if the certificate chain the address presented matches a usable TLSA record of its MX host; 0 also when "
    "the TLSA answer failed DNSSEC validation.");

// Identity, per probed (MX, address).
inline constexpr Family kFcrdnsMatch = domain_fact<"fcrdns_match">(
    "1 if the address's PTR name resolves back to the address (forward-confirmed reverse DNS).");
inline constexpr Family kBannerNameMatchesPtr = domain_fact<"banner_name_matches_ptr">(
    "1 if the host name in the address's greeting is its PTR name.");

// Mail loops (README, "Mail loops"): only on /metrics, each series with the label loop; the
// values are kept in loop_state.cpp and written there.
template <detail::Literal stem>
constexpr Family loop_fact(std::string_view type, std::string_view help) {
  return {.metrics = {detail::joined<"smtp_", stem>(), type, help}};
}

inline constexpr Family kLoopSent = loop_fact<"loop_sent_total">(
    "counter", "Probe messages the sending server accepted (250 after DATA).");
// {reason} over the probe failure reasons, every one present.
inline constexpr Family kLoopSendFailures = loop_fact<"loop_send_failures_total">(
    "counter", "Probe messages that could not be sent, by the transaction's failure reason.");
// {folder}: INBOX from the start, each other folder searched from when it is known.
inline constexpr Family kLoopReceived = loop_fact<"loop_received_total">(
    "counter", "Probe messages found within the timeout, by the folder they were in.");
inline constexpr Family kLoopLost = loop_fact<"loop_lost_total">(
    "counter", "Probe messages not found within the timeout.");
inline constexpr Family kLoopLate = loop_fact<"loop_late_total">(
    "counter", "Probe messages found after their timeout, or left from before a restart.");
inline constexpr Family kLoopPending = loop_fact<"loop_pending">(
    "gauge", "Probe messages sent, not yet found and not yet lost.");
inline constexpr Family kLoopRoundtrip = loop_fact<"loop_roundtrip_seconds">(
    "histogram", "Seconds from the 250 after DATA to the moment the message was found.");
inline constexpr Family kLoopLastRoundtrip = loop_fact<"loop_last_roundtrip_seconds">(
    "gauge", "Round trip of the last message found within the timeout.");
inline constexpr Family kLoopLastSuccess = loop_fact<"loop_last_success_timestamp_seconds">(
    "gauge", "Unix time the last message was found within the timeout; 0 before the first.");
// The sender's and the receivers' clocks both count: documented as clock-dependent.
inline constexpr Family kLoopLastQueue = loop_fact<"loop_last_queue_seconds">(
    "gauge", "Seconds between the oldest and the newest Received: date of the last message found.");
// {method="spf"|"dkim"|"dmarc", result}: one series per method the last message's header named.
inline constexpr Family kLoopAuthResults = loop_fact<"loop_auth_results">(
    "gauge", "Authentication-Results verdict of the last message found, 1 for its result per method.");
inline constexpr Family kLoopReceiveUp = loop_fact<"loop_receive_up">(
    "gauge", "1 if the mailbox was reachable and logged in at the last look.");
// {reason} over the receive failure reasons, every one present.
inline constexpr Family kLoopReceiveFailures = loop_fact<"loop_receive_failures_total">(
    "counter", "Failed looks into the mailbox, by reason.");

}  // namespace smtp_exporter::metrics
