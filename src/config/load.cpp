// YAML -> validated Config. Every key is read in one place below (search for its name in
// quotes); every problem becomes an Error, and loading goes on so that all are reported at once.
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "config/config.hpp"
#include "config/tls_version.hpp"
#include "config/yaml_reader.hpp"
#include "smtp/command.hpp"
#include "util/file.hpp"
#include "util/text.hpp"

namespace smtp_exporter::config {
namespace {

// Label names the exporter puts on a target's series (src/metrics/writer.cpp and the domain
// writer), which a target's own labels would duplicate.
constexpr std::string_view reserved_labels[] = {
    "target", "module", "instance", "job", "le", "phase", "event", "reason", "stage", "extension", "step",
    "mechanism", "mx", "address", "family", "aspect", "mode", "id",
    // the TLS info series
    "version", "cipher", "subject_cn", "issuer_cn", "serial", "fingerprint_sha256"};

using prober::StepKind;

// The kinds a module lists under `steps`; greeting, EHLO, STARTTLS and QUIT are in every dialog.
constexpr StepKind listed_step_kinds[] = {StepKind::auth, StepKind::mail_from, StepKind::rcpt_to,
                                          StepKind::rset};

// "auth, mail_from, rcpt_to or rset", for messages.
const std::string& listed_step_kind_names() {
  static const std::string names = [] {
    std::string out;
    for (std::size_t i = 0; i < std::size(listed_step_kinds); ++i) {
      if (i > 0) out += i + 1 == std::size(listed_step_kinds) ? " or " : ", ";
      out += prober::step_kind_name(listed_step_kinds[i]);
    }
    return out;
  }();
  return names;
}

// sun_path's size, less the terminating NUL.
constexpr std::size_t max_unix_path = sizeof(sockaddr_un::sun_path) - 1;

// "unix:/path" as a target address. Only the config file may name a Unix socket, so this is
// not part of parse_host_port(), which /probe?target= uses too.
std::optional<HostPort> parse_unix_address(std::string_view text, std::string* why) {
  const std::string_view path = text.substr(std::string_view("unix:").size());
  if (!path.starts_with('/')) {
    *why = "Unix socket path must be absolute";
  } else if (path.size() > max_unix_path) {
    *why = "Unix socket path longer than " + std::to_string(max_unix_path) + " bytes";
  } else if (std::any_of(path.begin(), path.end(), [](char c) {
               return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
             })) {
    *why = "contains a control character";
  } else {
    return HostPort{.host = "", .port = 0, .unix_path = std::string(path)};
  }
  return std::nullopt;
}

// A step name is a label value (smtp_step_*{step="..."}): kept short and plain.
bool is_step_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_label_name(std::string_view name) {
  auto is_start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  return !name.empty() && is_start(name.front()) &&
         std::all_of(name.begin(), name.end(),
                     [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); });
}

bool is_reserved_label(std::string_view name) {
  // Names starting with "__" are Prometheus's own.
  return name.starts_with("__") || std::find(std::begin(reserved_labels), std::end(reserved_labels),
                                             name) != std::end(reserved_labels);
}

// The host name does not change while we run, and looking it up may wait on DNS: once is enough.
const std::string& host_ehlo_name() {
  static const std::string name = default_ehlo_name();
  return name;
}

class Loader : YamlReader {
 public:
  explicit Loader(std::string file) : YamlReader(std::move(file), ControlChars::escape) {}

  LoadResult load(const std::string& yaml) {
    Config config;
    const auto root = parse(yaml);
    if (!root) return finish<LoadResult>(std::move(config));
    Item global, modules, targets, loops;  // empty unless given
    for_each_field(*root, [&](const Field& f) {
      if (f.name == "global") {
        global = f.value;
      } else if (f.name == "modules") {
        modules = f.value;
      } else if (f.name == "targets") {
        targets = f.value;
      } else if (f.name == "loops") {
        loops = f.value;
      } else {
        return false;
      }
      return true;
    });
    // Targets last: they take the global interval and refer to modules.
    read_global(global, config.global);
    read_modules(modules, config.modules);
    read_targets(targets, config);
    read_loops(loops, config);
    if (!config.loops.empty() && config.global.instance.empty()) config.global.instance = host_ehlo_name();
    return finish<LoadResult>(std::move(config));
  }

 private:
  using YamlReader::read;

  // Every duration in the file is a timeout or an interval, so zero is refused too.
  bool read(const Item& item, Duration& out) {
    auto text = scalar(item);
    if (!text) return false;
    auto duration = parse_duration(*text);
    if (!duration) {
      error(item, "expected a duration like 30s or 1m30s, got " + quote(*text));
    } else if (*duration <= Duration::zero()) {
      error(item, "expected a duration greater than 0s, got " + quote(*text));
    } else {
      out = *duration;
      return true;
    }
    return false;
  }

  bool read(const Item& item, Mode& out) {
    return read_choice(item, out, "interval or scrape",
                       {{"interval", Mode::interval}, {"scrape", Mode::scrape}});
  }
  bool read(const Item& item, IpProtocol& out) {
    return read_choice(
        item, out, "auto, ip4 or ip6",
        {{"auto", IpProtocol::any}, {"ip4", IpProtocol::ip4}, {"ip6", IpProtocol::ip6}});
  }

  bool read(const Item& item, TlsMode& out) {
    return read_choice(item, out, "none, starttls or implicit",
                       {{"none", TlsMode::none}, {"starttls", TlsMode::starttls}, {"implicit", TlsMode::implicit}});
  }
  bool read(const Item& item, TlsVersion& out) {
    return read_choice(item, out, "TLS10, TLS11, TLS12 or TLS13", tls_version_words);
  }

  bool read(const Item& item, Protocol& out) {
    return read_choice(item, out, "smtp or lmtp",
                       {{"smtp", Protocol::smtp}, {"lmtp", Protocol::lmtp}});
  }
  bool read(const Item& item, Expect& out) {
    return read_choice(item, out, "accept, reject or defer",
                       {{"accept", Expect::accept},
                        {"reject", Expect::reject},
                        {"defer", Expect::defer}});
  }

  // SASL mechanism names are case-insensitive (RFC 4422 3.1), and so is `auto` with them.
  bool read(const Item& item, AuthMechanism& out) {
    auto text = scalar(item);
    if (!text) return false;
    std::string upper = *text;
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    constexpr std::pair<std::string_view, AuthMechanism> choices[] = {
        {"AUTO", AuthMechanism::automatic},
        {"PLAIN", AuthMechanism::plain},
        {"LOGIN", AuthMechanism::login},
        {"SCRAM-SHA-256", AuthMechanism::scram_sha_256}};
    for (const auto& [word, value] : choices) {
      if (word == upper) {
        out = value;
        return true;
      }
    }
    error(item, "expected auto, PLAIN, LOGIN or SCRAM-SHA-256, got " + quote(*text));
    return false;
  }

  // A target's address: host[:port], or in this file only, "unix:/path".
  bool read(const Item& item, HostPort& out) {
    auto text = scalar(item);
    if (!text) return false;
    std::string why;
    auto address = text->starts_with("unix:") ? parse_unix_address(*text, &why)
                                              : parse_host_port(*text, &why);
    if (!address) {
      error(item, "invalid address " + quote(*text) + ": " + why);
      return false;
    }
    out = std::move(*address);
    return true;
  }

  // --- Sections.

  void read_global(const Item& item, Global& global) {
    for_each_field(item, [&](const Field& f) {
      if (f.name == "mode") {
        read(f.value, global.mode);
      } else if (f.name == "interval") {
        read(f.value, global.interval);
      } else if (f.name == "max_concurrent_probes") {
        read(f.value, global.max_concurrent_probes, 1, 100000);
      } else if (f.name == "dns") {
        read_dns(f.value, global.dns);
      } else if (f.name == "mta_sts") {
        read_mta_sts(f.value, global.mta_sts);
      } else if (f.name == "instance") {
        read_instance(f.value, global.instance);
      } else {
        return false;
      }
      return true;
    });
  }

  void read_dns(const Item& item, DnsSettings& dns) {
    for_each_field(item, [&](const Field& f) {
      if (f.name == "servers") {
        for (const Item& element : elements(f.value)) {
          HostPort server;
          if (read(element, server)) dns.servers.push_back(server.to_string());
        }
      } else if (f.name == "trust_anchor_file") {
        read_file_name(f.value, dns.trust_anchor_file);
      } else {
        return false;
      }
      return true;
    });
  }

  void read_mta_sts(const Item& item, MtaStsSettings& mta_sts) {
    for_each_field(item, [&](const Field& f) {
      if (f.name == "ca_file") {
        read_file_name(f.value, mta_sts.ca_file);
      } else if (f.name == "port") {
        int port = 0;
        if (read(f.value, port, 1, 65535)) mta_sts.port = static_cast<std::uint16_t>(port);
      } else {
        return false;
      }
      return true;
    });
  }

  bool read_domain_name(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return false;
    std::string why;
    auto name = parse_domain_name(*text, &why);
    if (!name) {
      error(item, "invalid domain " + quote(*text) + ": " + why);
      return false;
    }
    out = std::move(*name);
    return true;
  }

  void read_modules(const Item& item, std::map<std::string, Module>& modules) {
    for_each_field(item, [&](const Field& f) {
      modules.emplace(f.name, read_module(f));
      return true;
    });
    // The default module exists even when the file does not mention it.
    if (!modules.contains("smtp_ehlo")) {
      modules.emplace("smtp_ehlo", read_module(Field{"smtp_ehlo", {}, {}}));
    }
  }

  Module read_module(const Field& entry) {
    Module module;
    module.name = entry.name;
    std::optional<Item> timeout, qos_timeout;  // where they were given, if they were
    bool timeouts_valid = true;
    bool tls_valid = true;
    std::vector<Item> auth_in_clear;  // auth steps that would need TLS
    for_each_field(entry.value, [&](const Field& f) {
      if (f.name == "timeout") {
        timeouts_valid &= read(f.value, module.timeout);
        timeout = f.value;
      } else if (f.name == "qos_timeout") {
        timeouts_valid &= read(f.value, module.qos_timeout);
        qos_timeout = f.value;
      } else if (f.name == "ehlo_name") {
        read_ehlo_name(f.value, module.ehlo_name);
      } else if (f.name == "helo_fallback") {
        read(f.value, module.helo_fallback);
      } else if (f.name == "ip_protocol") {
        read(f.value, module.ip_protocol);
      } else if (f.name == "expect_banner") {
        read_regex(f.value, module);
      } else if (f.name == "buckets") {
        read_buckets(f.value, module.buckets);
      } else if (f.name == "tls") {
        tls_valid = read(f.value, module.tls);
      } else if (f.name == "tls_config") {
        read_tls_config(f.value, module.tls_config);
      } else if (f.name == "protocol") {
        read(f.value, module.protocol);
      } else if (f.name == "steps") {
        auth_in_clear = read_steps(f.value, module.steps);
      } else {
        return false;
      }
      return true;
    });
    if (timeouts_valid && module.qos_timeout > module.timeout) {
      // Point at the one the user wrote; with only timeout written, the default qos_timeout is
      // what it conflicts with.
      const Item& at = qos_timeout ? *qos_timeout : timeout ? *timeout : entry.value;
      error(at, "qos_timeout " + format_duration(module.qos_timeout) + " exceeds timeout " +
                    format_duration(module.timeout));
    }
    if (tls_valid && module.tls == TlsMode::none) {
      for (const Item& auth : auth_in_clear) {
        error(auth, "AUTH without TLS would send the password in clear; use tls: starttls or "
                    "implicit, or allow_plaintext: true");
      }
    }
    if (module.ehlo_name.empty()) module.ehlo_name = host_ehlo_name();
    return module;
  }

  void read_tls_config(const Item& item, TlsConfig& tls) {
    std::optional<Item> cert, key;
    for_each_field(item, [&](const Field& f) {
      if (f.name == "server_name") {
        read_server_name(f.value, tls.server_name);
      } else if (f.name == "ca_file") {
        read_file_name(f.value, tls.ca_file);
      } else if (f.name == "cert_file") {
        if (read_file_name(f.value, tls.cert_file)) cert = f.value;
      } else if (f.name == "key_file") {
        if (read_file_name(f.value, tls.key_file)) key = f.value;
      } else if (f.name == "insecure_skip_verify") {
        read(f.value, tls.insecure_skip_verify);
      } else if (f.name == "min_version") {
        read(f.value, tls.min_version);
      } else {
        return false;
      }
      return true;
    });
    // A client certificate needs its key and the other way round.
    if (cert && !key) error(*cert, "cert_file needs key_file");
    if (key && !cert) error(*key, "key_file needs cert_file");
  }

  void read_server_name(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return;
    std::string why;
    const auto host = parse_host_port(*text, &why);
    if (!host || text->find(':') != std::string::npos) {
      error(item, "expected a host name or an IP address, got " + quote(*text));
      return;
    }
    out = host->host;
  }

  // A path as written in the file, made relative to the config file's folder, as in Prometheus.
  std::string resolve_path(const std::string& written) const {
    const auto slash = file().rfind('/');
    if (written.empty() || written.front() == '/' || slash == std::string::npos) return written;
    return file().substr(0, slash + 1) + written;
  }

  // The file must be readable now: a typo is found at load, not at the first probe.
  bool read_file_name(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return false;
    std::string path = resolve_path(*text);
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
      out = std::move(path);
      return true;
    }
    error(item, "cannot read " + quote(*text) + ": " + std::strerror(errno));
    return false;
  }

  void read_ehlo_name(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return;
    if (!is_valid_ehlo_name(*text)) {
      error(item, "expected an FQDN or an address literal like [192.0.2.1], got " + quote(*text));
      return;
    }
    out = std::move(*text);
  }

  void read_regex(const Item& item, Module& module) {
    auto text = scalar(item);
    if (!text || text->empty()) return;  // empty means no check, as when not given
    try {
      module.expect_banner_re = std::make_shared<const std::regex>(*text, std::regex::ECMAScript);
      module.expect_banner = std::move(*text);
    } catch (const std::regex_error& e) {
      error(item, "invalid regex " + quote(*text) + ": " + e.what());
    }
  }

  // Positive, finite and strictly increasing as written, so that a typo is not silently sorted
  // into a different histogram.
  void read_buckets(const Item& item, std::vector<double>& out) {
    std::vector<double> buckets;
    std::string previous;
    for (const Item& element : elements(item)) {
      auto text = scalar(element);
      if (!text) continue;
      double value = 0;
      const char* end = text->data() + text->size();
      auto [stop, ec] = std::from_chars(text->data(), end, value);
      if (ec != std::errc() || stop != end || !std::isfinite(value) || value <= 0) {
        error(element, "expected a positive finite number, got " + quote(*text));
        continue;
      }
      if (!buckets.empty() && value <= buckets.back()) {
        error(element, "expected a number greater than the previous bucket " + previous + ", got " +
                           quote(*text));
        continue;
      }
      buckets.push_back(value);
      previous = *text;
    }
    out = std::move(buckets);
  }

  // --- A module's steps. Each element of the list is a map with one key, the step's kind, whose
  // value holds the step's options. Returns the auth steps that did not allow plaintext, for
  // read_module() to hold against the module's `tls`.
  std::vector<Item> read_steps(const Item& item, std::vector<Step>& steps) {
    std::vector<Item> auth_in_clear;
    std::map<std::string, int> first_line;  // step name -> line it was first used on
    std::map<StepKind, int> defaulted;      // kind -> steps of that kind named by default so far
    for (const Item& element : elements(item)) {
      std::optional<Field> kind_field;
      const bool is_map = for_each_field(element, [&](const Field& f) {
        if (kind_field) {
          error(f.name_mark, element.key,
                "expected one step kind per list element, got " + quote(f.name) + " besides " +
                    quote(kind_field->name));
        } else {
          kind_field = f;
        }
        return true;
      });
      if (!is_map) continue;
      if (!kind_field) {
        error(element, "expected a step kind (" + listed_step_kind_names() + "), got " +
                           (element.node.IsNull() ? "nothing" : "an empty map"));
        continue;
      }
      Step step;
      std::optional<Item> name;
      if (!read_step(*kind_field, element.key, step, name)) continue;
      if (step.kind == StepKind::auth && !step.allow_plaintext) {
        auth_in_clear.push_back(kind_field->value);
      }

      // Defaults are counted per kind, among the steps that take one: rcpt_to, rcpt_to_2...
      const bool named = name.has_value();  // step.name is empty if the name was not valid
      if (!named) {
        const int n = ++defaulted[step.kind];
        step.name = std::string(prober::step_kind_name(step.kind));
        if (n > 1) step.name += "_" + std::to_string(n);
      }
      if (!step.name.empty()) {
        const YAML::Mark& at = named ? name->mark : kind_field->name_mark;
        auto [first, added] = first_line.emplace(step.name, at.line + 1);
        if (!added) {
          error(at, named ? name->key : element.key,
                "duplicate step name " + quote(step.name) +
                    (named ? " (" : " (the default here; ") + "first at line " +
                    std::to_string(first->second) + ")");
        }
      }
      steps.push_back(std::move(step));
    }
    return auth_in_clear;
  }

  // One step from its kind's field; false if the kind is not one a module lists. `name` is
  // where a name was given, if one was (step.name stays empty if it was not valid).
  bool read_step(const Field& kind_field, const std::string& element_key, Step& step,
                 std::optional<Item>& name) {
    const auto found =
        std::find(prober::kStepKindNames.begin(), prober::kStepKindNames.end(), kind_field.name);
    if (found == prober::kStepKindNames.end()) {
      error(kind_field.name_mark, element_key,
            "expected a step kind (" + listed_step_kind_names() + "), got " +
                quote(kind_field.name));
      return false;
    }
    step.kind = static_cast<StepKind>(found - prober::kStepKindNames.begin());
    if (std::find(std::begin(listed_step_kinds), std::end(listed_step_kinds), step.kind) ==
        std::end(listed_step_kinds)) {
      const std::string why = step.kind == StepKind::data ? " is sent by a loop (loops:), not a step to list"
                                                            : " is part of every dialog, not a step to list";
      error(kind_field.name_mark, element_key,
            quote(kind_field.name) + why + "; expected " + listed_step_kind_names());
      return false;
    }

    const StepKind kind = step.kind;
    const bool has_address = kind == StepKind::mail_from || kind == StepKind::rcpt_to;
    const bool is_auth = kind == StepKind::auth;
    std::optional<Item> address, username, password, password_file;
    const Item& options = kind_field.value;
    const bool is_map = for_each_field(options, [&](const Field& f) {
      if (f.name == "name") {
        read_step_name(f.value, step.name);
        name = f.value;
      } else if (f.name == "expect" && kind != StepKind::rset) {
        read(f.value, step.expect);
      } else if (f.name == "address" && has_address) {
        read_mailbox(f.value, kind, step.address);
        address = f.value;
      } else if (f.name == "username" && is_auth) {
        read_username(f.value, step.username);
        username = f.value;
      } else if (f.name == "password" && is_auth) {
        // Never quoted in a message: it is a secret.
        if (read(f.value, step.password) && step.password.empty()) {
          error(f.value, "must not be empty");
        }
        password = f.value;
      } else if (f.name == "password_file" && is_auth) {
        read_password_file(f.value, step.password, step.password_file);
        password_file = f.value;
      } else if (f.name == "mechanism" && is_auth) {
        read(f.value, step.mechanism);
      } else if (f.name == "allow_plaintext" && is_auth) {
        read(f.value, step.allow_plaintext);
      } else {
        return false;
      }
      return true;
    });
    if (!is_map) return true;
    if (has_address && !address) error(options, "missing required key \"address\"");
    if (is_auth && !username) error(options, "missing required key \"username\"");
    if (is_auth && !password && !password_file) {
      error(options, "missing required key \"password\" or \"password_file\"");
    }
    if (password && password_file) {
      const Item& later = password->mark.pos > password_file->mark.pos ? *password : *password_file;
      error(later, "expected password or password_file, not both");
    }
    return true;
  }

  bool read_step_name(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return false;
    if (!is_step_name(*text)) {
      error(item, "expected 1 to 64 letters, digits or underscores, got " + quote(*text));
      return false;
    }
    out = std::move(*text);
    return true;
  }

  // The mailbox between < and >; MAIL FROM may have none (the null sender, for bounces).
  void read_mailbox(const Item& item, StepKind kind, std::string& out) {
    auto text = scalar(item);
    if (!text) return;
    if (text->empty() && kind == StepKind::mail_from) {
      out.clear();
      return;
    }
    if (text->empty()) {
      error(item, "must not be empty");
      return;
    }
    if (std::string why = smtp::mailbox_problem(*text); !why.empty()) {
      error(item, "invalid address " + quote(*text) + ": " + why);
      return;
    }
    out = std::move(*text);
  }

  void read_username(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return;
    if (text->empty()) {
      error(item, "must not be empty");
    } else if (text->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      error(item, "expected a user name without CR, LF or NUL, got " + quote(*text));
    } else {
      out = std::move(*text);
    }
  }

  // Read now, so a reload (a fresh load) picks up a changed password. The one newline that
  // editors and `echo` leave at the end (LF or CRLF) is not part of the password. No message
  // here quotes what the file holds.
  void read_password_file(const Item& item, std::string& password, std::string& password_file) {
    auto text = scalar(item);
    if (!text) return;
    std::string path = resolve_path(*text);
    std::optional<std::string> content = util::read_whole_file(path);
    if (!content) {
      error(item, "cannot read " + quote(*text) + ": " + std::strerror(errno));
      return;
    }
    if (content->ends_with('\n')) {
      content->pop_back();
      if (content->ends_with('\r')) content->pop_back();
    }
    if (content->empty()) {
      error(item, "password file " + quote(*text) + " is empty");
      return;
    }
    password = std::move(*content);
    password_file = std::move(path);
  }

  void read_targets(const Item& item, Config& config) {
    std::map<std::string, int> first_line;  // target name -> line it was first used on
    for (const Item& element : elements(item)) {
      Target target;
      target.interval = config.global.interval;
      std::optional<Item> name, address, module, domain;  // where they were given, if they were
      std::vector<Item> domain_keys;  // keys that only a domain target takes
      DomainTarget settings;
      bool address_valid = false;
      const bool is_map = for_each_field(element, [&](const Field& f) {
        if (f.name == "name") {
          if (read(f.value, target.name)) name = f.value;
        } else if (f.name == "address") {
          address_valid = read(f.value, target.address);
          address = f.value;
        } else if (f.name == "domain") {
          address_valid = read_domain_name(f.value, settings.name);
          domain = f.value;
        } else if (f.name == "port") {
          int value = 0;
          if (read(f.value, value, 1, 65535)) settings.port = static_cast<std::uint16_t>(value);
          domain_keys.push_back(f.value);
        } else if (f.name == "max_mx") {
          read(f.value, settings.max_mx, 1, 100);
          domain_keys.push_back(f.value);
        } else if (f.name == "max_addresses_per_mx") {
          read(f.value, settings.max_addresses_per_mx, 1, 16);
          domain_keys.push_back(f.value);
        } else if (f.name == "expect_null_mx") {
          read(f.value, settings.expect_null_mx);
          domain_keys.push_back(f.value);
        } else if (f.name == "mta_sts") {
          read(f.value, settings.mta_sts);
          domain_keys.push_back(f.value);
        } else if (f.name == "dane") {
          read(f.value, settings.dane);
          domain_keys.push_back(f.value);
        } else if (f.name == "module") {
          if (read(f.value, target.module)) module = f.value;
        } else if (f.name == "interval") {
          read(f.value, target.interval);
        } else if (f.name == "labels") {
          read_labels(f.value, target.labels);
        } else {
          return false;
        }
        return true;
      });
      if (!is_map) continue;

      if (address && domain) {
        error(*domain, "a target has either address or domain, not both");
      } else if (!address && !domain) {
        error(element, "missing required key \"address\" (or \"domain\")");
      }
      if (!domain) {
        for (const Item& key : domain_keys) error(key, "only a domain target takes this key");
      } else if (address_valid) {
        target.domain = settings;
      }
      const Module* target_module = config.find_module(target.module);
      if (module && target_module == nullptr) {
        error(*module, "unknown module " + quote(target.module));
      }
      if (address_valid && target.address.is_unix() && target_module != nullptr &&
          target_module->tls != TlsMode::none) {
        error(module ? *module : *address, "TLS over a Unix socket is not supported");
      }
      if (name && target.name.empty()) error(*name, "must not be empty");
      if (!name && address_valid) target.name = domain ? settings.name : target.address.to_string();
      const Item* name_at = name ? &*name : address_valid ? (domain ? &*domain : &*address) : nullptr;
      if (name_at != nullptr && !target.name.empty()) {
        auto [first, added] = first_line.emplace(target.name, name_at->mark.line + 1);
        if (!added) {
          error(*name_at, "duplicate target name " + quote(target.name) + " (first at line " +
                              std::to_string(first->second) + ")");
        }
      }
      config.targets.push_back(std::move(target));
    }
  }

  // --- Loops (README, "Mail loops").

  void read_instance(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return;
    const bool plain = !text->empty() && text->size() <= 128 && std::all_of(text->begin(), text->end(), [](char c) {
      return c > ' ' && c < 0x7f && c != ';' && c != '"' && c != '\\';
    });
    if (!plain) {
      error(item, "expected 1 to 128 printable characters without spaces, ';', '\"' or '\\', got " + quote(*text));
      return;
    }
    out = std::move(*text);
  }

  void read_loops(const Item& item, Config& config) {
    std::map<std::string, int> first_line;  // loop name -> line it was first used on
    for (const Item& element : elements(item)) {
      Loop loop;
      std::optional<Item> name, send, receive;
      const bool is_map = for_each_field(element, [&](const Field& f) {
        if (f.name == "name") {
          read_loop_name(f.value, loop.name);
          name = f.value;
        } else if (f.name == "send") {
          send = f.value;
        } else if (f.name == "receive") {
          receive = f.value;
        } else if (f.name == "interval") {
          read(f.value, loop.interval);
        } else if (f.name == "poll_interval") {
          read(f.value, loop.poll_interval);
        } else if (f.name == "timeout") {
          read(f.value, loop.timeout);
        } else if (f.name == "buckets") {
          read_buckets(f.value, loop.buckets);
        } else {
          return false;
        }
        return true;
      });
      if (!is_map) continue;
      if (!name) error(element, "missing required key \"name\"");
      if (!send) error(element, "missing required key \"send\"");
      if (!receive) error(element, "missing required key \"receive\"");
      if (send) read_loop_send(*send, config, loop);
      if (receive) read_loop_receive(*receive, loop);
      if (name && !loop.name.empty()) {
        auto [first, added] = first_line.emplace(loop.name, name->mark.line + 1);
        if (!added) {
          error(*name, "duplicate loop name " + quote(loop.name) + " (first at line " + std::to_string(first->second) + ")");
        }
      }
      config.loops.push_back(std::move(loop));
    }
  }

  // A loop name is a label value and part of the probe message's token: kept plain.
  bool read_loop_name(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return false;
    const bool plain = !text->empty() && text->size() <= 64 && std::all_of(text->begin(), text->end(), [](char c) {
      return util::is_alpha(c) || util::is_digit(c) || c == '.' || c == '_' || c == '-';
    });
    if (!plain) {
      error(item, "expected 1 to 64 letters, digits, '.', '_' or '-', got " + quote(*text));
      return false;
    }
    out = std::move(*text);
    return true;
  }

  void read_loop_send(const Item& item, const Config& config, Loop& loop) {
    std::optional<Item> address, domain, port, module, from, to;
    const bool is_map = for_each_field(item, [&](const Field& f) {
      if (f.name == "address") {
        read(f.value, loop.send_address);
        address = f.value;
      } else if (f.name == "domain") {
        read_domain_name(f.value, loop.send_domain);
        domain = f.value;
      } else if (f.name == "port") {
        int value = 0;
        if (read(f.value, value, 1, 65535)) loop.send_port = static_cast<std::uint16_t>(value);
        port = f.value;
      } else if (f.name == "module") {
        if (read(f.value, loop.module)) module = f.value;
      } else if (f.name == "from") {
        read_mailbox(f.value, StepKind::rcpt_to, loop.from);  // a loop's sender is never the null sender
        from = f.value;
      } else if (f.name == "to") {
        read_mailbox(f.value, StepKind::rcpt_to, loop.to);
        to = f.value;
      } else {
        return false;
      }
      return true;
    });
    if (!is_map) return;
    if (address && domain) {
      error(*domain, "a loop sends to an address or to a domain's MX, not both");
    } else if (!address && !domain) {
      error(item, "missing required key \"address\" (or \"domain\")");
    }
    if (port && !domain) error(*port, "only a loop that sends to a domain takes this key (put the port in the address)");
    if (!from) error(item, "missing required key \"from\"");
    if (!to) error(item, "missing required key \"to\"");
    const Module* found = config.find_module(loop.module);
    if (module && found == nullptr) {
      error(*module, "unknown module " + quote(loop.module));
    } else if (found != nullptr) {
      const auto listed = std::find_if(found->steps.begin(), found->steps.end(),
                                       [](const Step& step) { return step.kind != StepKind::auth; });
      if (listed != found->steps.end()) {
        error(module ? *module : item, "module " + quote(loop.module) + " lists " +
                                           quote(std::string(prober::step_kind_name(listed->kind))) +
                                           "; a loop's module lists auth steps at most (the loop adds MAIL FROM, RCPT TO and DATA)");
      }
      if (address && loop.send_address.is_unix() && found->tls != TlsMode::none) {
        error(module ? *module : *address, "TLS over a Unix socket is not supported");
      }
    }
  }

  void read_loop_receive(const Item& item, Loop& loop) {
    std::optional<Item> imap, maildir;
    const bool is_map = for_each_field(item, [&](const Field& f) {
      if (f.name == "imap") {
        imap = f.value;
        loop.imap.emplace();
        read_loop_imap(f.value, *loop.imap);
      } else if (f.name == "maildir") {
        read_file_name(f.value, loop.maildir);
        maildir = f.value;
      } else {
        return false;
      }
      return true;
    });
    if (!is_map) return;
    if (imap && maildir) {
      error(*maildir, "a loop receives over imap or from a maildir, not both");
    } else if (!imap && !maildir) {
      error(item, "missing required key \"imap\" (or \"maildir\")");
    }
  }

  void read_loop_imap(const Item& item, LoopImap& imap) {
    std::optional<Item> address, username, password, password_file, tls, allow_plaintext;
    std::optional<std::string> address_text;
    const bool is_map = for_each_field(item, [&](const Field& f) {
      if (f.name == "address") {
        address_text = scalar(f.value);
        address = f.value;
      } else if (f.name == "tls") {
        if (read(f.value, imap.tls)) tls = f.value;
      } else if (f.name == "tls_config") {
        read_tls_config(f.value, imap.tls_config);
      } else if (f.name == "username") {
        read_username(f.value, imap.username);
        username = f.value;
      } else if (f.name == "password") {
        // Never quoted in a message: it is a secret.
        if (read(f.value, imap.password) && imap.password.empty()) error(f.value, "must not be empty");
        password = f.value;
      } else if (f.name == "password_file") {
        read_password_file(f.value, imap.password, imap.password_file);
        password_file = f.value;
      } else if (f.name == "folders") {
        for (const Item& element : elements(f.value)) {
          std::string folder;
          if (!read(element, folder)) continue;
          if (folder.empty() || folder.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            error(element, "expected a folder name without CR, LF or NUL, got " + quote(folder));
          } else {
            imap.folders.push_back(std::move(folder));
          }
        }
      } else if (f.name == "allow_plaintext") {
        if (read(f.value, imap.allow_plaintext)) allow_plaintext = f.value;
      } else {
        return false;
      }
      return true;
    });
    if (!is_map) return;
    if (!address) error(item, "missing required key \"address\"");
    if (!username) error(item, "missing required key \"username\"");
    if (!password && !password_file) error(item, "missing required key \"password\" or \"password_file\"");
    if (password && password_file) {
      const Item& later = password->mark.pos > password_file->mark.pos ? *password : *password_file;
      error(later, "expected password or password_file, not both");
    }
    if (address && address_text) {
      // Without a port: IMAP's (993 for implicit TLS, 143 otherwise).
      const std::string_view text = *address_text;
      const bool has_port = text.starts_with('[') ? text.find("]:") != std::string_view::npos
                                                  : std::count(text.begin(), text.end(), ':') == 1;
      std::string why;
      auto parsed = parse_host_port(text, &why);
      if (!parsed) {
        error(*address, "invalid address " + quote(*address_text) + ": " + why);
      } else {
        imap.address = std::move(*parsed);
        if (!has_port) imap.address.port = imap.tls == TlsMode::implicit ? 993 : 143;
      }
    }
    if (imap.tls == TlsMode::none && !imap.allow_plaintext) {
      error(tls ? *tls : item, "IMAP without TLS would send the password in clear; use tls: implicit or starttls, "
                               "or set allow_plaintext: true");
    }
  }

  void read_labels(const Item& item, std::vector<std::pair<std::string, std::string>>& out) {
    for_each_field(item, [&](const Field& f) {
      if (!is_label_name(f.name)) {
        error(f.name_mark, item.key, "invalid label name " + quote(f.name));
      } else if (is_reserved_label(f.name)) {
        error(f.name_mark, item.key, "reserved label name " + quote(f.name));
      } else if (std::string value; read(f.value, value)) {
        out.emplace_back(f.name, std::move(value));
      }
      return true;
    });
    std::sort(out.begin(), out.end());
  }
};

}  // namespace

LoadResult load_string(std::string_view yaml, const std::string& file_name) {
  return Loader(file_name).load(std::string(yaml));
}

LoadResult load_file(const std::string& path) {
  if (const std::optional<std::string> text = util::read_whole_file(path)) {
    return load_string(*text, path);
  }
  LoadResult result;
  result.errors.push_back(
      Error{path, 0, 0, "", std::string("cannot read file: ") + std::strerror(errno)});
  return result;
}

}  // namespace smtp_exporter::config
