#include "prober/tls.hpp"

#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "config/tls_version.hpp"

namespace smtp_exporter::prober {
namespace {

namespace ssl = boost::asio::ssl;

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

double not_after(X509* cert) {
  std::tm tm{};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return 0;
  return static_cast<double>(timegm(&tm));
}

std::string common_name(const X509_NAME* name) {
  if (name == nullptr) return "";
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string hex(const unsigned char* data, std::size_t size, bool upper) {
  static constexpr char lower_digits[] = "0123456789abcdef";
  static constexpr char upper_digits[] = "0123456789ABCDEF";
  const char* digits = upper ? upper_digits : lower_digits;
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

std::string serial_hex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return "";
  char* text = BN_bn2hex(bn);
  std::string out = text != nullptr ? text : "";
  OPENSSL_free(text);
  BN_free(bn);
  return out;
}

// "TLSv1.3" -> "TLS 1.3", as blackbox_exporter labels it.
std::string version_name(const SSL* ssl) {
  std::string v = SSL_get_version(ssl);
  if (v.rfind("TLSv", 0) == 0) return "TLS " + v.substr(4);
  return v;
}

int skip_verify_callback(int /*preverified*/, X509_STORE_CTX* /*ctx*/) { return 1; }

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const config::TlsConfig& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, config::openssl_tls_version(tls.min_version)) != 1) {
    throw std::runtime_error("cannot set the minimum TLS version: " + openssl_error());
  }
  // Old mail servers still speak TLS 1.0/1.1, which OpenSSL 3's default security level refuses.
  if (tls.min_version < config::TlsVersion::tls12) SSL_CTX_set_security_level(native, 0);
  if (tls.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(native) != 1) {
      throw std::runtime_error("cannot load the system trust store: " + openssl_error());
    }
  } else if (SSL_CTX_load_verify_locations(native, tls.ca_file.c_str(), nullptr) != 1) {
    throw std::runtime_error("cannot load ca_file \"" + tls.ca_file + "\": " + openssl_error());
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(native, tls.cert_file.c_str()) != 1) {
      throw std::runtime_error("cannot load cert_file \"" + tls.cert_file + "\": " + openssl_error());
    }
    if (SSL_CTX_use_PrivateKey_file(native, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(native) != 1) {
      throw std::runtime_error("cannot load key_file \"" + tls.key_file + "\": " + openssl_error());
    }
  }
  return ctx;
}

void prepare_tls(SSL* ssl, const std::string& server_name, bool insecure_skip_verify) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(server_name, ec);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ec) {  // a name: send it as SNI and verify the certificate against it
    // SSL_set_tlsext_host_name() without the macro's C-style cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(server_name.c_str()));
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
  } else {  // an address: no SNI (RFC 6066), verify the IP address SAN
    X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, insecure_skip_verify ? skip_verify_callback : nullptr);
}

TlsFacts read_tls_facts(SSL* ssl) {
  TlsFacts facts;
  facts.version = version_name(ssl);
  facts.cipher = SSL_get_cipher_name(ssl);
  facts.verified = SSL_get_verify_result(ssl) == X509_V_OK;
  X509* leaf = SSL_get1_peer_certificate(ssl);
  // OpenSSL 3 records the peer certificate only once it verified; the presented chain, which on
  // the client side starts with the leaf, is kept either way.
  STACK_OF(X509)* presented = SSL_get_peer_cert_chain(ssl);
  if (leaf == nullptr && presented != nullptr && sk_X509_num(presented) > 0) {
    leaf = sk_X509_value(presented, 0);
    X509_up_ref(leaf);
  }
  if (leaf != nullptr) {
    facts.cert_not_after = not_after(leaf);
    facts.chain_not_after = facts.cert_not_after;
    facts.subject_cn = common_name(X509_get_subject_name(leaf));
    facts.issuer_cn = common_name(X509_get_issuer_name(leaf));
    facts.serial = serial_hex(leaf);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (X509_digest(leaf, EVP_sha256(), digest, &size) == 1) facts.fingerprint_sha256 = hex(digest, size, false);
    X509_free(leaf);
  } else {
    facts.verified = false;
  }
  // The chain as the server presented it (on the client side it includes the leaf).
  if (presented != nullptr) {
    for (int i = 0; i < sk_X509_num(presented); ++i) {
      const double t = not_after(sk_X509_value(presented, i));
      if (t > 0 && (facts.chain_not_after == 0 || t < facts.chain_not_after)) facts.chain_not_after = t;
    }
  }
  return facts;
}

std::string verify_error(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  return result == X509_V_OK ? "" : X509_verify_cert_error_string(result);
}

}  // namespace smtp_exporter::prober
