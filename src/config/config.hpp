// The validated configuration: plain values, produced by load_file()/load_string().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prober/vocabulary.hpp"

namespace smtp_exporter::config {

using Duration = std::chrono::milliseconds;

enum class Mode { interval, scrape };
enum class IpProtocol { any, ip4, ip6 };  // YAML: auto | ip4 | ip6

// host[:port]; host is a DNS name, an IPv4 literal or an IPv6 literal (without brackets).
// In the config file only, "unix:/path" names a Unix socket instead (LMTP's usual home): then
// unix_path is set and host is empty.
struct HostPort {
  std::string host;
  std::uint16_t port = 25;
  std::string unix_path;
  bool operator==(const HostPort&) const = default;
  bool is_unix() const { return !unix_path.empty(); }
  // "host:port", IPv6 hosts in brackets; "unix:/path" for a Unix socket.
  std::string to_string() const;
};

// Strict parser for "host[:port]" (also used for /probe?target=). On failure returns nullopt
// and puts a short reason into *why ("port out of range", ...).
std::optional<HostPort> parse_host_port(std::string_view text, std::string* why);

// Strict parser for a mail domain ("example.org", also for /probe?domain=): a DNS name, not an
// address, returned lower case without a trailing dot. On failure nullopt and a reason in *why.
std::optional<std::string> parse_domain_name(std::string_view text, std::string* why);

// True if text is an FQDN (dot-separated LDH labels) or an address literal "[192.0.2.1]" or
// "[IPv6:2001:db8::1]", i.e. a valid EHLO argument.
bool is_valid_ehlo_name(std::string_view text);

enum class TlsMode { none, starttls, implicit };  // implicit: RFC 8314, the handshake first
enum class TlsVersion { tls10, tls11, tls12, tls13 };

struct TlsConfig {
  std::string server_name;  // SNI and the name verified; empty: the target's host
  std::string ca_file;      // empty: the system trust store
  std::string cert_file;    // client certificate, with key_file
  std::string key_file;
  bool insecure_skip_verify = false;  // still probes, and says so in smtp_tls_cert_verified
  TlsVersion min_version = TlsVersion::tls12;
  bool operator==(const TlsConfig&) const = default;
};

enum class Protocol { smtp, lmtp };  // lmtp: LHLO instead of EHLO, no HELO fallback

// What a configured step expects of the server: accept a 2xx (250 or 251 for RCPT, 235 for
// AUTH), reject a 5xx, defer a 4xx. A 4xx is "as expected" only with defer.
enum class Expect { accept, reject, defer };

// SASL mechanisms the auth step speaks; automatic picks the best the server advertises.
enum class AuthMechanism { automatic, plain, login, scram_sha_256 };

// One step of a module's `steps` list, run after EHLO (and STARTTLS) in order.
struct Step {
  std::string name;  // unique within the module; defaults to the kind, then kind_2, kind_3...
  prober::StepKind kind = prober::StepKind::rset;  // auth, mail_from, rcpt_to or rset; data in loops
  Expect expect = Expect::accept;
  std::string address;  // mail_from, rcpt_to: the mailbox between < >; "" is the null sender
  // auth:
  std::string username;
  std::string password;       // a secret: never logged, printed or put in a label
  std::string password_file;  // where password came from, if from a file (re-read at reload)
  AuthMechanism mechanism = AuthMechanism::automatic;
  bool allow_plaintext = false;  // AUTH on a connection without TLS; refused at load otherwise
  // data: the message, headers and body, as the loop wrote it (smtp::data_text makes it DATA's)
  std::string message;
  bool operator==(const Step&) const = default;
};

struct Module {
  std::string name;
  Duration timeout{std::chrono::seconds(10)};
  Duration qos_timeout{std::chrono::seconds(2)};
  std::string ehlo_name;  // never empty after loading: defaults to this host's FQDN
  bool helo_fallback = true;
  IpProtocol ip_protocol = IpProtocol::any;
  std::string expect_banner;                          // regex source, empty if unset
  std::shared_ptr<const std::regex> expect_banner_re;  // compiled, null if unset
  // Histogram bounds in seconds, as written (strictly increasing) or these defaults; the QoS
  // bounds are added by classify::latency_bounds().
  std::vector<double> buckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  TlsMode tls = TlsMode::none;
  TlsConfig tls_config;
  Protocol protocol = Protocol::smtp;
  std::vector<Step> steps;  // empty: greeting, EHLO, STARTTLS where configured, QUIT

  // The names of `steps`, in order: the `step` label values of its targets.
  std::vector<std::string> step_names() const;

  // Settings equality (the compiled regex is compared through its source).
  bool same_settings(const Module& other) const;
};

// A mail domain as a target: every MX of it, over IPv4 and IPv6 (README, "Mail domains").
struct DomainTarget {
  std::string name;  // lower case, without the trailing dot
  std::uint16_t port = 25;
  int max_mx = 10;              // MX hosts probed at most
  bool expect_null_mx = false;  // a null MX is this domain's expected state
  bool mta_sts = true;          // fetch and check the MTA-STS policy
  bool dane = true;             // check the TLSA records of each MX
  int max_addresses_per_mx = 4;  // addresses probed per MX at most, both families together
  bool operator==(const DomainTarget&) const = default;
};

struct Target {
  std::string name;  // the `target` label; defaults to address.to_string() or the domain
  HostPort address;  // unset (empty host) for a domain target
  std::optional<DomainTarget> domain;
  std::string module = "smtp_ehlo";
  Duration interval{std::chrono::seconds(30)};  // resolved: the target's own or global
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  bool operator==(const Target&) const = default;
};

// How domain targets resolve names: libunbound with DNSSEC validation.
struct DnsSettings {
  std::vector<std::string> servers;  // host[:port]; empty: the servers of /etc/resolv.conf
  std::string trust_anchor_file;     // empty: the system's (Debian's dns-root-data)
  bool operator==(const DnsSettings&) const = default;
};

struct MtaStsSettings {
  std::string ca_file;      // trust for the policy's HTTPS; empty: the system trust store
  std::uint16_t port = 443;  // another port only for tests
  bool operator==(const MtaStsSettings&) const = default;
};

// Where a loop looks for its message: an IMAP mailbox (README, "Mail loops").
struct LoopImap {
  HostPort address;                   // port 993 by default, 143 with tls starttls or none
  TlsMode tls = TlsMode::implicit;    // none only with allow_plaintext
  TlsConfig tls_config;
  std::string username;
  std::string password;       // a secret: never logged, printed or put in a label
  std::string password_file;  // where password came from, if from a file (re-read at reload)
  std::vector<std::string> folders;  // searched in this order; empty: INBOX, then Junk and Spam where they exist
  bool allow_plaintext = false;      // LOGIN without TLS
  bool operator==(const LoopImap&) const = default;
};

// A mail loop: a probe message sent through the mail system each interval and looked for where
// it must arrive (README, "Mail loops").
struct Loop {
  std::string name;  // the `loop` label: letters, digits, '.', '_' and '-'
  // send: to an address, or to the best MX of a domain that answers (as a sender would)
  HostPort send_address;    // unset (empty host) with send_domain
  std::string send_domain;  // lower case, no trailing dot
  std::uint16_t send_port = 25;  // with send_domain
  std::string module = "smtp_ehlo";  // its TLS and AUTH; the loop adds MAIL FROM, RCPT TO and DATA
  std::string from;
  std::string to;
  // receive: one of these
  std::optional<LoopImap> imap;
  std::string maildir;
  Duration interval{std::chrono::minutes(5)};
  Duration poll_interval{std::chrono::seconds(5)};  // where the server has no IDLE (and for other folders)
  Duration timeout{std::chrono::minutes(10)};        // not seen by then: lost
  std::vector<double> buckets{1, 2, 5, 10, 30, 60, 120, 300, 600, 1800};  // round trip, seconds
  bool operator==(const Loop&) const = default;
};

struct Global {
  Mode mode = Mode::interval;
  Duration interval{std::chrono::seconds(30)};
  int max_concurrent_probes = 256;
  DnsSettings dns;
  MtaStsSettings mta_sts;
  // This exporter's name in the tokens of its loop messages: it removes its own old messages
  // at start-up and leaves other instances' alone. Default: this host's FQDN.
  std::string instance;
};

struct Config {
  Global global;
  std::map<std::string, Module> modules;  // always holds at least "smtp_ehlo"
  std::vector<Target> targets;           // in file order
  std::vector<Loop> loops;               // in file order
  const Module* find_module(std::string_view name) const;
};

struct Error {
  std::string file;
  int line = 0;    // 1-based, 0 if unknown
  int column = 0;  // 1-based, 0 if unknown
  std::string key;  // dotted path, e.g. "targets[2].address"
  std::string message;
  // "file:line:column: key: message"; without "line:column" when unknown (line 0) and without
  // "key: " when the error is not about one key (a YAML syntax error, an unreadable file).
  std::string to_string() const;
};

struct LoadResult {
  std::optional<Config> config;  // set only if errors is empty
  std::vector<Error> errors;     // every error found, in file order
};

LoadResult load_file(const std::string& path);
LoadResult load_string(std::string_view yaml, const std::string& file_name);

// Prometheus-style duration: "500ms", "2s", "1m30s", "1h", "1d"...; nullopt if malformed.
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);  // "1m30s"

// This host's FQDN (gethostname + getaddrinfo AI_CANONNAME); falls back to "localhost.localdomain"
// style names only if they are valid EHLO names, else "[127.0.0.1]".
std::string default_ehlo_name();

}  // namespace smtp_exporter::config
