// The prober's TLS client side: a context per module, the per-connection setup (SNI, name
// verification) and the facts read off a finished handshake.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"
#include "prober/probe_result.hpp"

namespace smtp_exporter::prober {

// Trust store (ca_file or the system's), client certificate, minimum version. Throws
// std::runtime_error saying what could not be loaded.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const config::TlsConfig& tls);

// Prepares an SSL object for a handshake with `server_name`: SNI (for names, not addresses),
// peer verification including the name, and a callback that lets an unverifiable peer through
// when `insecure_skip_verify` is set (the outcome is still read by read_tls_facts()).
void prepare_tls(SSL* ssl, const std::string& server_name, bool insecure_skip_verify);

// Version, cipher, verification and certificate facts of a finished handshake.
TlsFacts read_tls_facts(SSL* ssl);

// Why verification failed ("certificate has expired", ...), or "" if it did not.
std::string verify_error(SSL* ssl);

}  // namespace smtp_exporter::prober
