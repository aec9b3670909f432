// YAML -> validated Config. Every key is read in one place below (search for its name in
// quotes); every problem becomes an Error, and loading goes on so that all are reported at once.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <set>

#include "config/config.hpp"

namespace smtp_exporter::config {
namespace {

// Label names the exporter puts on its own series.
constexpr std::string_view reserved_labels[] = {
    "target", "module", "instance", "job", "le", "phase", "event", "reason", "stage", "extension"};

// A YAML value, the dotted key that leads to it, and where errors about it point: the value
// itself, or its key when the value is empty (yaml-cpp marks an empty value at the next token).
struct Item {
  YAML::Node node;
  std::string key;
  YAML::Mark mark;
};

// One entry of a YAML map.
struct Field {
  std::string name;
  YAML::Mark name_mark;
  Item value;
};

// The text between quotes in messages, escaped so that a message stays on one line.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "nothing";
  }
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

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  LoadResult load(std::string_view yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
      error(e.mark, "", e.msg);
      return finish({});
    }
    Config config;
    Item global, modules, targets;  // empty unless given
    for_each_field({root, "", root.Mark()}, [&](const Field& f) {
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
    return finish(std::move(config));
  }

 private:
  void error(const YAML::Mark& mark, std::string key, std::string message) {
    const bool known = mark.line >= 0;
    errors_.push_back(Error{file_, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0,
                            std::move(key), std::move(message)});
  }
  void error(const Item& item, std::string message) {
    error(item.mark, item.key, std::move(message));
  }

  LoadResult finish(Config config) {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    LoadResult result;
    if (errors_.empty()) result.config = std::move(config);
    result.errors = std::move(errors_);
    return result;
  }

  // Calls read(field) for each entry of the map `item`; read returns false for a name it does
  // not know. An empty value ("modules:") counts as an empty map. False if not a map at all.
  template <class Read>
  bool for_each_field(const Item& item, Read read) {
    if (item.node.IsNull()) return true;
    if (!item.node.IsMap()) {
      error(item, "expected a map, got " + node_kind(item.node));
      return false;
    }
    std::set<std::string> seen;
    for (const auto& entry : item.node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        error(key.Mark(), item.key, "expected a scalar key, got " + node_kind(key));
        continue;
      }
      const std::string& name = key.Scalar();
      if (!seen.insert(name).second) {
        error(key.Mark(), item.key, "duplicate key " + quote(name));
        continue;
      }
      const YAML::Node& value = entry.second;
      const Field field{name,
                        key.Mark(),
                        {value, item.key.empty() ? name : item.key + "." + name,
                         value.IsNull() ? key.Mark() : value.Mark()}};
      if (!read(field)) error(key.Mark(), item.key, "unknown key " + quote(name));
    }
    return true;
  }

  // The elements of the sequence `item`; an empty value counts as an empty sequence.
  std::vector<Item> elements(const Item& item) {
    std::vector<Item> out;
    if (item.node.IsNull()) return out;
    if (!item.node.IsSequence()) {
      error(item, "expected a sequence, got " + node_kind(item.node));
      return out;
    }
    for (const YAML::Node& element : item.node) {
      out.push_back({element, item.key + "[" + std::to_string(out.size()) + "]", element.Mark()});
    }
    return out;
  }

  // --- Scalars. Each read() leaves `out` alone and returns false after reporting an error.

  std::optional<std::string> scalar(const Item& item) {
    if (item.node.IsScalar()) return item.node.Scalar();
    error(item,
          item.node.IsNull() ? "missing value" : "expected a scalar, got " + node_kind(item.node));
    return std::nullopt;
  }

  bool read(const Item& item, std::string& out) {
    auto text = scalar(item);
    if (text) out = std::move(*text);
    return text.has_value();
  }

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

  bool read(const Item& item, int& out, int min, int max) {
    auto text = scalar(item);
    if (!text) return false;
    int value = 0;
    const char* end = text->data() + text->size();
    auto [stop, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || stop != end || value < min || value > max) {
      error(item, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                      ", got " + quote(*text));
      return false;
    }
    out = value;
    return true;
  }

  // One of a few words; `expected` lists them for the message.
  template <class T>
  bool read_choice(const Item& item, T& out, std::string_view expected,
                   std::initializer_list<std::pair<std::string_view, T>> choices) {
    auto text = scalar(item);
    if (!text) return false;
    for (const auto& [word, value] : choices) {
      if (word == *text) {
        out = value;
        return true;
      }
    }
    error(item, "expected " + std::string(expected) + ", got " + quote(*text));
    return false;
  }

  // YAML 1.2 booleans only: "yes" and "on" are too easily meant as something else.
  bool read(const Item& item, bool& out) {
    return read_choice(item, out, "true or false",
                       {{"true", true},
                        {"True", true},
                        {"TRUE", true},
                        {"false", false},
                        {"False", false},
                        {"FALSE", false}});
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
    const auto slash = file_.rfind('/');
    std::string path = *text;
    if (!path.empty() && path.front() != '/' && slash != std::string::npos) path = file_.substr(0, slash + 1) + path;
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

  std::string file_;
  std::vector<Error> errors_;
};

}  // namespace

LoadResult load_string(std::string_view yaml, const std::string& file_name) {
  return Loader(file_name).load(yaml);
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
