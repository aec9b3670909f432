#include "web/tls.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "config/tls_version.hpp"

namespace smtp_exporter::web {
namespace {

// OpenSSL's reason for the failure (the first error queued is the cause, the later ones the
// callers that passed it on), and an empty error queue for the next call.
std::string openssl_reason() {
  const char* text = ERR_reason_error_string(ERR_peek_error());
  std::string reason = text != nullptr ? text : "unknown OpenSSL error";
  ERR_clear_error();
  return reason;
}

// OpenSSL's own messages for a missing file are vague ("system lib"); errno says it plainly.
std::optional<std::string> unreadable(const std::string& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (file && std::fgetc(file.get()) != EOF) return std::nullopt;
  const int error = file ? (std::ferror(file.get()) ? errno : 0) : errno;
  return "cannot read \"" + path + "\": " + (error != 0 ? std::strerror(error) : "empty file");
}

// Without a passphrase callback OpenSSL would ask for one on the terminal.
int no_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

EVP_PKEY* read_private_key(const std::string& path) {
  const std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr;
  ERR_clear_error();  // OpenSSL's reasons here ("unsupported", "bad password read") mislead
  return key;
}

// RequestClientCert and RequireAnyClientCert take any certificate: the check always passes.
int accept_any_certificate(int /*preverified*/, X509_STORE_CTX* /*store*/) { return 1; }

}  // namespace

std::optional<TlsSetupError> apply_tls_config(SSL_CTX* ctx, const TlsServerConfig& tls) {
  ERR_clear_error();
  if (auto why = unreadable(tls.cert_file)) return TlsSetupError{"cert_file", *why};
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    return TlsSetupError{"cert_file", "no certificate in \"" + tls.cert_file + "\": " + openssl_reason()};
  }
  if (auto why = unreadable(tls.key_file)) return TlsSetupError{"key_file", *why};
  // Read first, then given to the context, which compares it with the certificate: so that a
  // key that is not there and one that does not match say so differently.
  const std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(read_private_key(tls.key_file), EVP_PKEY_free);
  if (!key) {
    return TlsSetupError{"key_file", "no private key in \"" + tls.key_file + "\" (PEM, without a passphrase)"};
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return TlsSetupError{"key_file", "the key in \"" + tls.key_file + "\" does not match the certificate in \"" +
                                         tls.cert_file + "\": " + openssl_reason()};
  }
  if (!tls.client_ca_file.empty()) {
    if (auto why = unreadable(tls.client_ca_file)) return TlsSetupError{"client_ca_file", *why};
    // The CAs verify client certificates and, named in the CertificateRequest, help clients
    // pick the right one.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
    if (names == nullptr || SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      return TlsSetupError{"client_ca_file",
                           "no CA certificate in \"" + tls.client_ca_file + "\": " + openssl_reason()};
    }
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }

  int mode = SSL_VERIFY_NONE;
  bool verify = true;
  switch (tls.client_auth) {
    case ClientAuth::none:
      break;
    case ClientAuth::request:
      mode = SSL_VERIFY_PEER;
      verify = false;
      break;
    case ClientAuth::require_any:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      verify = false;
      break;
    case ClientAuth::verify_if_given:
      mode = SSL_VERIFY_PEER;
      break;
    case ClientAuth::require_and_verify:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
  }
  SSL_CTX_set_verify(ctx, mode, verify ? nullptr : accept_any_certificate);
  // With client certificates, a resumed session must belong to this server's context.
  static constexpr unsigned char session_context[] = "smtp_exporter";
  SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);

  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_min_proto_version(ctx, config::openssl_tls_version(tls.min_version));
  if (tls.max_version) SSL_CTX_set_max_proto_version(ctx, config::openssl_tls_version(*tls.max_version));
  return std::nullopt;
}

}  // namespace smtp_exporter::web
