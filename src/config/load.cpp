// YAML -> validated Config. Every key is read in one place below (search for its name in
// quotes); every problem becomes an Error, and loading goes on so that all are reported at once.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace smtp_exporter::config {
namespace {

// Label names the exporter puts on its own series.
constexpr std::string_view reserved_labels[] = {
    "target", "module", "instance", "job", "le", "phase", "event", "reason", "stage", "extension"};

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
    Item global, modules, targets;  // empty unless given
    for_each_field(*root, [&](const Field& f) {
      if (f.name == "global") {
        global = f.value;
      } else if (f.name == "modules") {
        modules = f.value;
      } else if (f.name == "targets") {
        targets = f.value;
      } else {
        return false;
      }
      return true;
    });
    // Targets last: they take the global interval and refer to modules.
    read_global(global, config.global);
    read_modules(modules, config.modules);
    read_targets(targets, config);
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
    return read_choice(item, out, "TLS10, TLS11, TLS12 or TLS13",
                       {{"TLS10", TlsVersion::tls10},
                        {"TLS11", TlsVersion::tls11},
                        {"TLS12", TlsVersion::tls12},
                        {"TLS13", TlsVersion::tls13}});
  }

  bool read(const Item& item, HostPort& out) {
    auto text = scalar(item);
    if (!text) return false;
    std::string why;
    auto address = parse_host_port(*text, &why);
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
      } else {
        return false;
      }
      return true;
    });
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
        read(f.value, module.tls);
      } else if (f.name == "tls_config") {
        read_tls_config(f.value, module.tls_config);
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
    if (module.ehlo_name.empty()) module.ehlo_name = host_ehlo_name();

    // The QoS boundaries are always bucket bounds, so the histogram can tell a slow probe from a
    // failed one exactly.
    const auto qos_ms = static_cast<double>(module.qos_timeout.count());
    module.buckets.push_back(qos_ms / 1000);
    module.buckets.push_back(2 * qos_ms / 1000);
    std::sort(module.buckets.begin(), module.buckets.end());
    module.buckets.erase(std::unique(module.buckets.begin(), module.buckets.end()),
                         module.buckets.end());
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

  // Relative to the config file's folder, as in Prometheus. The file must be readable now: a
  // typo is found at load, not at the first probe.
  bool read_file_name(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (!text) return false;
    const auto slash = file().rfind('/');
    std::string path = *text;
    if (!path.empty() && path.front() != '/' && slash != std::string::npos) path = file().substr(0, slash + 1) + path;
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

  void read_targets(const Item& item, Config& config) {
    std::map<std::string, int> first_line;  // target name -> line it was first used on
    for (const Item& element : elements(item)) {
      Target target;
      target.interval = config.global.interval;
      std::optional<Item> name, address, module;  // where they were given, if they were
      bool address_valid = false;
      const bool is_map = for_each_field(element, [&](const Field& f) {
        if (f.name == "name") {
          if (read(f.value, target.name)) name = f.value;
        } else if (f.name == "address") {
          address_valid = read(f.value, target.address);
          address = f.value;
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

      if (!address) error(element, "missing required key \"address\"");
      if (module && config.find_module(target.module) == nullptr) {
        error(*module, "unknown module " + quote(target.module));
      }
      if (name && target.name.empty()) error(*name, "must not be empty");
      if (!name && address_valid) target.name = target.address.to_string();
      const Item* name_at = name ? &*name : address_valid ? &*address : nullptr;
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
  // stdio rather than iostreams: it reports a directory or a read error through errno.
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             std::fclose);
  std::string text;
  if (file) {
    char buffer[1 << 16];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) text.append(buffer, n);
    if (!std::ferror(file.get())) return load_string(text, path);
  }
  LoadResult result;
  result.errors.push_back(
      Error{path, 0, 0, "", std::string("cannot read file: ") + std::strerror(errno)});
  return result;
}

}  // namespace smtp_exporter::config
