// TLS protocol versions as both config files write them (exporter-toolkit's words, which the
// web config's min_version/max_version and a module's tls_config.min_version share) and as
// OpenSSL numbers them.
#pragma once

#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace smtp_exporter::config {

inline constexpr std::pair<std::string_view, TlsVersion> tls_version_words[] = {
    {"TLS10", TlsVersion::tls10},
    {"TLS11", TlsVersion::tls11},
    {"TLS12", TlsVersion::tls12},
    {"TLS13", TlsVersion::tls13},
};

// OpenSSL's TLS1_VERSION ... TLS1_3_VERSION, for SSL_CTX_set_min/max_proto_version().
int openssl_tls_version(TlsVersion version);

}  // namespace smtp_exporter::config
