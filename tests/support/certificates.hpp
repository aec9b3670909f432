// Certificates made at test time with OpenSSL, so that no key is kept in the repository: a
// private CA, and leaves with chosen names and dates, signed by it or by themselves.
// Header-only because tests/support/*.cpp go into every test executable and not all of them
// link OpenSSL (classify_test links its stage only): this compiles only where it is included.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace smtp_exporter::test {

// "what: OpenSSL's reason" for the first queued error; the error queue is left empty.
inline std::string openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return what + ": " + buf;
}

// Throws std::runtime_error with openssl_error(what) unless ok is 1.
inline void check_openssl(int ok, const std::string& what) {
  if (ok != 1) throw std::runtime_error(openssl_error(what));
}

// Now, in whole seconds, plus `days` (negative: in the past).
inline std::time_t days_from_now(int days) { return std::time(nullptr) + static_cast<std::time_t>(days) * 86400; }

// A certificate and its private key (EC P-256), with the facts a test compares against.
class TestCert {
 public:
  // A CA certificate (CA:TRUE, keyCertSign) for "CN=<common_name>", self-signed.
  static TestCert authority(const std::string& common_name, std::time_t not_before, std::time_t not_after) {
    return TestCert(common_name, "", true, nullptr, not_before, not_after);
  }
  // A server certificate (CA:FALSE, serverAuth) for "CN=<common_name>" with subjectAltName
  // `sans` ("DNS:localhost,IP:127.0.0.1"; "" for none), signed by `issuer`, or self-signed when
  // issuer is null.
  static TestCert leaf(const std::string& common_name, const std::string& sans, const TestCert* issuer,
                       std::time_t not_before, std::time_t not_after) {
    return TestCert(common_name, sans, false, issuer, not_before, not_after);
  }

  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }
  std::time_t not_after() const { return not_after_; }
  const std::string& common_name() const { return common_name_; }
  const std::string& serial_hex() const { return serial_hex_; }  // upper case, as `openssl x509 -serial`

  // Of the DER, lower-case hex.
  std::string sha256_fingerprint() const {
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert_.get(), &der);
    if (len <= 0) throw std::runtime_error(openssl_error("i2d_X509"));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    const int ok = EVP_Digest(der, static_cast<std::size_t>(len), digest, &size, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    check_openssl(ok, "EVP_Digest");
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
      out += "0123456789abcdef"[digest[i] >> 4];
      out += "0123456789abcdef"[digest[i] & 15];
    }
    return out;
  }

  std::string pem() const {
    return to_pem([this](BIO* bio) { return PEM_write_bio_X509(bio, cert_.get()); }, "PEM_write_bio_X509");
  }

  // The private key (PKCS#8 PEM), encrypted with AES-256-CBC under `passphrase` unless it is empty.
  std::string key_pem(const std::string& passphrase = "") const {
    return to_pem(
        [&](BIO* bio) {
          const EVP_CIPHER* cipher = passphrase.empty() ? nullptr : EVP_aes_256_cbc();
          return PEM_write_bio_PrivateKey(bio, key_.get(), cipher,
                                          reinterpret_cast<const unsigned char*>(passphrase.data()),
                                          static_cast<int>(passphrase.size()), nullptr, nullptr);
        },
        "PEM_write_bio_PrivateKey");
  }

 private:
  struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
  };
  struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };

  // One body for CAs and leaves: the extensions differ, and who signs.
  TestCert(const std::string& common_name, const std::string& sans, bool is_ca, const TestCert* issuer,
           std::time_t not_before, std::time_t not_after)
      : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")),
        cert_(X509_new()),
        not_after_(not_after),
        common_name_(common_name) {
    if (!key_) throw std::runtime_error(openssl_error("EC key generation"));
    if (!cert_) throw std::runtime_error(openssl_error("X509_new"));
    X509* cert = cert_.get();
    check_openssl(X509_set_version(cert, 2), "X509_set_version");
    // 64 bits with the top nibble set: BN_bn2hex and `openssl x509 -serial` print all 16 digits.
    std::random_device rd;
    const std::uint64_t serial = (std::uint64_t{rd()} << 32 | rd()) | (std::uint64_t{1} << 60);
    check_openssl(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial), "serial");
    for (int shift = 60; shift >= 0; shift -= 4) serial_hex_ += "0123456789ABCDEF"[(serial >> shift) & 15];
    if (ASN1_TIME_set(X509_getm_notBefore(cert), not_before) == nullptr ||
        ASN1_TIME_set(X509_getm_notAfter(cert), not_after) == nullptr) {
      throw std::runtime_error(openssl_error("validity"));
    }
    X509_NAME* name = X509_get_subject_name(cert);
    check_openssl(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
                  "subject");
    X509* signer_cert = issuer != nullptr ? issuer->cert() : cert;
    EVP_PKEY* signer_key = issuer != nullptr ? issuer->key() : key_.get();
    check_openssl(X509_set_issuer_name(cert, X509_get_subject_name(signer_cert)), "issuer");
    check_openssl(X509_set_pubkey(cert, key_.get()), "X509_set_pubkey");
    X509V3_CTX ctx{};
    X509V3_set_ctx(&ctx, signer_cert, cert, nullptr, nullptr, 0);
    if (is_ca) {
      add_extension(ctx, NID_basic_constraints, "critical,CA:TRUE");
      add_extension(ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
      add_extension(ctx, NID_basic_constraints, "CA:FALSE");
      add_extension(ctx, NID_ext_key_usage, "serverAuth");
      if (!sans.empty()) add_extension(ctx, NID_subject_alt_name, sans);
    }
    if (X509_sign(cert, signer_key, EVP_sha256()) <= 0) throw std::runtime_error(openssl_error("X509_sign"));
  }

  void add_extension(X509V3_CTX& ctx, int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) throw std::runtime_error(openssl_error("extension " + value));
    const int ok = X509_add_ext(cert_.get(), ext, -1);
    X509_EXTENSION_free(ext);
    check_openssl(ok, "X509_add_ext " + value);
  }

  // What `write` (returning 1 on success) puts into a memory BIO, as text.
  template <class Write>
  static std::string to_pem(Write write, const std::string& what) {
    const std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || write(bio.get()) != 1) throw std::runtime_error(openssl_error(what));
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
  }

  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
  std::unique_ptr<X509, X509Free> cert_;
  std::time_t not_after_ = 0;
  std::string common_name_;
  std::string serial_hex_;
};

}  // namespace smtp_exporter::test
