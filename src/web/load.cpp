// Web config file -> validated WebConfig. Keys and values follow exporter-toolkit, so the file a
// user has for node_exporter works here; what smtp_exporter does not support is an error rather
// than silently ignored, since these are security settings.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <utility>

#include <openssl/ssl.h>

#include "config/tls_version.hpp"
#include "config/yaml_reader.hpp"
#include "util/file.hpp"
#include "web/basic_auth.hpp"
#include "web/tls.hpp"
#include "web/web_config.hpp"

namespace smtp_exporter::web {
namespace {

using config::Field;
using config::Item;

constexpr std::pair<std::string_view, ClientAuth> client_auth_types[] = {
    {"NoClientCert", ClientAuth::none},
    {"RequestClientCert", ClientAuth::request},
    {"RequireAnyClientCert", ClientAuth::require_any},
    {"VerifyClientCertIfGiven", ClientAuth::verify_if_given},
    {"RequireAndVerifyClientCert", ClientAuth::require_and_verify},
};

// exporter-toolkit's keys that smtp_exporter does not implement.
constexpr std::string_view unsupported_tls_keys[] = {"cert", "key", "cipher_suites", "curve_preferences",
                                                     "prefer_server_cipher_suites", "client_allowed_sans"};

// The headers exporter-toolkit lets a user set, and the values allowed (none listed: any).
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;
};
const std::vector<AllowedHeader>& allowed_headers() {
  static const std::vector<AllowedHeader> headers{
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return headers;
}

class Loader : config::YamlReader {
 public:
  explicit Loader(const std::string& file)
      : YamlReader(file, config::ControlChars::replace), dir_(std::filesystem::path(file).parent_path()) {}

  WebConfigResult load(const std::string& yaml) {
    WebConfig config;
    const auto root = parse(yaml);
    if (!root) return finish<WebConfigResult>(std::move(config));
    for_each_field(*root, [&](const Field& f) {
      const std::string& name = f.name;
      const Item& value = f.value;
      if (name == "tls_server_config") {
        read_tls(value, config.tls);
      } else if (name == "basic_auth_users") {
        read_users(value, config.basic_auth_users);
      } else if (name == "http_server_config") {
        read_http_server_config(value, config.headers);
      } else {
        return false;
      }
      return true;
    });
    return finish<WebConfigResult>(std::move(config));
  }

 private:
  // One of exporter-toolkit's words for a setting; the message lists them all.
  template <class T, std::size_t N>
  std::optional<T> choice(const Item& item, const std::pair<std::string_view, T> (&choices)[N]) {
    auto text = scalar(item);
    if (!text) return std::nullopt;
    std::string expected;
    for (const auto& [word, value] : choices) {
      if (word == *text) return value;
      expected += (expected.empty() ? "" : ", ") + std::string(word);
    }
    error(item, "unknown value " + quote(*text) + " (expected one of " + expected + ")");
    return std::nullopt;
  }

  // A file name, resolved against the web config file's directory.
  std::optional<std::string> path(const Item& item) {
    auto text = scalar(item);
    if (!text) return std::nullopt;
    if (text->empty()) {
      error(item, "must not be empty");
      return std::nullopt;
    }
    const std::filesystem::path written(*text);
    return written.is_relative() ? (dir_ / written).string() : *text;
  }

  void read_tls(const Item& section, std::optional<TlsServerConfig>& out) {
    TlsServerConfig tls;
    std::map<std::string, Item> given;  // key -> where, for the checks below
    bool valid = true;
    const bool is_map = for_each_field(section, [&](const Field& f) {
      const std::string& name = f.name;
      const Item& value = f.value;
      given.emplace(name, value);
      if (name == "cert_file" || name == "key_file" || name == "client_ca_file") {
        auto file = path(value);
        valid &= file.has_value();
        (name == "cert_file" ? tls.cert_file : name == "key_file" ? tls.key_file : tls.client_ca_file) =
            file.value_or("");
      } else if (name == "client_auth_type") {
        auto mode = choice(value, client_auth_types);
        valid &= mode.has_value();
        if (mode) tls.client_auth = *mode;
      } else if (name == "min_version" || name == "max_version") {
        auto version = choice(value, config::tls_version_words);
        valid &= version.has_value();
        if (version && name == "min_version") tls.min_version = *version;
        if (version && name == "max_version") tls.max_version = *version;
      } else if (std::ranges::find(unsupported_tls_keys, name) != std::end(unsupported_tls_keys)) {
        error(value, "not supported by smtp_exporter");
        valid = false;
      } else {
        return false;
      }
      return true;
    });
    // As in exporter-toolkit, an empty tls_server_config means plain HTTP.
    if (!is_map || given.empty()) return;
    for (const char* required : {"cert_file", "key_file"}) {
      if (!given.contains(required)) {
        error(section, std::string("missing required key \"") + required + "\"");
        valid = false;
      }
    }
    const bool verifies = tls.client_auth == ClientAuth::verify_if_given ||
                          tls.client_auth == ClientAuth::require_and_verify;
    if (verifies && !given.contains("client_ca_file")) {
      error(given.at("client_auth_type"), "client_ca_file is needed to verify client certificates");
      valid = false;
    }
    if (given.contains("client_ca_file") && tls.client_auth == ClientAuth::none) {
      error(given.at("client_ca_file"), "client_ca_file is set but client_auth_type is NoClientCert");
      valid = false;
    }
    if (tls.max_version && *tls.max_version < tls.min_version) {
      error(given.at("max_version"), "max_version is below min_version");
      valid = false;
    }
    if (!valid) return;
    // Load everything now, on a scratch context, so that the server cannot fail later.
    const std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> scratch(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
    if (auto failed = apply_tls_config(scratch.get(), tls)) {
      error(given.at(failed->key), failed->message);
      return;
    }
    out = std::move(tls);
  }

  void read_users(const Item& section, std::map<std::string, std::string>& out) {
    for_each_field(section, [&](const Field& f) {
      const std::string& user = f.name;
      const Item& value = f.value;
      if (user.empty() || user.find(':') != std::string::npos) {
        error(f.name_mark, section.key, "a user name must be non-empty and without \":\"");
      } else if (auto hash = scalar(value); hash && !is_bcrypt_hash(*hash)) {
        // The value is not echoed: it may be a password written where its hash belongs.
        error(value, "expected a bcrypt hash ($2y$, $2b$ or $2a$)");
      } else if (hash) {
        out.emplace(user, std::move(*hash));
      }
      return true;
    });
  }

  void read_http_server_config(const Item& section, std::vector<std::pair<std::string, std::string>>& headers) {
    for_each_field(section, [&](const Field& f) {
      const std::string& name = f.name;
      const Item& value = f.value;
      if (name == "headers") {
        read_headers(value, headers);
      } else if (name == "http2") {
        // Accepted for compatibility, as true or false only; the server speaks HTTP/1.1 only.
        bool http2 = false;
        read_choice(value, http2, "true or false", {{"true", true}, {"false", false}});
      } else {
        return false;
      }
      return true;
    });
  }

  void read_headers(const Item& section, std::vector<std::pair<std::string, std::string>>& out) {
    for_each_field(section, [&](const Field& f) {
      const std::string& name = f.name;
      const Item& value = f.value;
      const auto& allowed = allowed_headers();
      const auto header = std::ranges::find(allowed, name, &AllowedHeader::name);
      if (header == allowed.end()) {
        std::string names;
        for (const auto& h : allowed) names += (names.empty() ? "" : ", ") + std::string(h.name);
        error(value, "header " + quote(name) + " cannot be set (allowed: " + names + ")");
        return true;
      }
      auto text = scalar(value);
      if (!text) return true;
      if (text->find_first_of("\r\n") != std::string::npos || text->empty()) {
        error(value, "expected a non-empty value on one line");
      } else if (!header->values.empty() && std::ranges::find(header->values, *text) == header->values.end()) {
        std::string values;
        for (const auto v : header->values) values += (values.empty() ? "" : " or ") + std::string(v);
        error(value, "expected " + values + ", got " + quote(*text));
      } else {
        out.emplace_back(name, std::move(*text));
      }
      return true;
    });
  }

  std::filesystem::path dir_;
};

}  // namespace

WebConfigResult load_web_config(const std::string& path) {
  if (const std::optional<std::string> text = util::read_whole_file(path)) return Loader(path).load(*text);
  WebConfigResult result;
  result.errors.push_back(Error{path, 0, 0, "", std::string("cannot read file: ") + std::strerror(errno)});
  return result;
}

}  // namespace smtp_exporter::web
