#include "domain/dane.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

namespace smtp_exporter::domain {
namespace {

// The bytes a selector picks from a certificate: the whole DER (0) or its SubjectPublicKeyInfo (1).
std::vector<std::uint8_t> selected(const std::string& der, int selector) {
  if (selector == 0) return std::vector<std::uint8_t>(der.begin(), der.end());
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())),
                                                         X509_free);
  if (!cert) return {};
  unsigned char* spki = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
  if (length <= 0) return {};
  std::vector<std::uint8_t> out(spki, spki + length);
  OPENSSL_free(spki);
  return out;
}

std::vector<std::uint8_t> digest(const std::vector<std::uint8_t>& data, int matching_type) {
  if (matching_type == 0) return data;
  const EVP_MD* md = matching_type == 1 ? EVP_sha256() : EVP_sha512();
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1) return {};
  out.resize(length);
  return out;
}

}  // namespace

bool is_usable(const dns::TlsaRecord& record) {
  return (record.usage == 2 || record.usage == 3) && record.selector <= 1 && record.matching_type <= 2;
}

std::size_t usable_count(const std::vector<dns::TlsaRecord>& records) {
  return static_cast<std::size_t>(std::count_if(records.begin(), records.end(), is_usable));
}

std::vector<std::uint8_t> tlsa_data(const std::string& certificate_der, int selector, int matching_type) {
  const auto bytes = selected(certificate_der, selector);
  return bytes.empty() ? bytes : digest(bytes, matching_type);
}

bool dane_matches(const std::vector<dns::TlsaRecord>& records, const std::vector<std::string>& chain_der) {
  for (const auto& record : records) {
    if (!is_usable(record)) continue;
    // DANE-EE: the server's own certificate; DANE-TA: one of the certificates after it.
    const std::size_t first = record.usage == 3 ? 0 : 1;
    const std::size_t last = record.usage == 3 ? std::min<std::size_t>(1, chain_der.size()) : chain_der.size();
    for (std::size_t i = first; i < last; ++i) {
      const auto data = tlsa_data(chain_der[i], record.selector, record.matching_type);
      if (!data.empty() && data == record.data) return true;
    }
  }
  return false;
}

}  // namespace smtp_exporter::domain
