// Applies a tls_server_config to an OpenSSL context: used by the loader (on a scratch context,
// so a bad certificate is a start-up error naming its key) and by the server (on its own).
#pragma once

#include <optional>
#include <string>

#include <openssl/types.h>

#include "web/web_config.hpp"

namespace smtp_exporter::web {

struct TlsSetupError {
  std::string key;  // the tls_server_config key at fault: "cert_file", "key_file", ...
  std::string message;
};

// Loads the certificate chain, the key (checked against the certificate) and the client CAs,
// and sets the client verification mode and the protocol versions.
std::optional<TlsSetupError> apply_tls_config(SSL_CTX* ctx, const TlsServerConfig& tls);

}  // namespace smtp_exporter::web
