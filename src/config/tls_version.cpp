#include "config/tls_version.hpp"

#include <openssl/ssl.h>  // the version numbers only: nothing here links libssl

namespace smtp_exporter::config {

int openssl_tls_version(TlsVersion version) {
  switch (version) {
    case TlsVersion::tls10: return TLS1_VERSION;
    case TlsVersion::tls11: return TLS1_1_VERSION;
    case TlsVersion::tls12: return TLS1_2_VERSION;
    case TlsVersion::tls13: return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

}  // namespace smtp_exporter::config
