// The web config file of the exporter's own endpoints, in the Prometheus exporter-toolkit format
// (the file node_exporter and blackbox_exporter read with --web.config.file): TLS, basic auth
// and extra response headers. Plain values, produced by load_web_config().
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"  // config::Error ("file:line:column: key: message") and TlsVersion

namespace smtp_exporter::web {

// exporter-toolkit's names: NoClientCert, RequestClientCert, RequireAnyClientCert,
// VerifyClientCertIfGiven, RequireAndVerifyClientCert.
enum class ClientAuth { none, request, require_any, verify_if_given, require_and_verify };
using TlsVersion = config::TlsVersion;  // the versions a module's tls_config speaks of too

struct TlsServerConfig {
  // Absolute, or relative to the working directory if the web config's own path was: relative
  // paths in the file are resolved against the file's directory, as exporter-toolkit does.
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty if not given
  ClientAuth client_auth = ClientAuth::none;
  TlsVersion min_version = TlsVersion::tls12;
  std::optional<TlsVersion> max_version;  // unset: the newest OpenSSL has
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;  // unset: plain HTTP
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash; empty: no auth
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
};

using Error = config::Error;

struct WebConfigResult {
  std::optional<WebConfig> config;  // set only if errors is empty
  std::vector<Error> errors;        // every error found, in file order
};

// Reads and validates the file: unknown keys and values are errors, the certificate, key and CA
// files must be readable and valid (and the key must match the certificate), and every
// basic_auth_users value must be a bcrypt hash.
WebConfigResult load_web_config(const std::string& path);

}  // namespace smtp_exporter::web
