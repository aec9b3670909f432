// DANE for SMTP: TLSA records against a presented chain (RFC 7672, RFC 7671).
#include "domain/dane.hpp"

#include <openssl/x509.h>

#include <gtest/gtest.h>

#include "support/certificates.hpp"

namespace smtp_exporter::domain {
namespace {

using test::days_from_now;
using test::TestCert;

std::string der(const TestCert& cert) {
  unsigned char* bytes = nullptr;
  const int length = i2d_X509(cert.cert(), &bytes);
  std::string out(reinterpret_cast<char*>(bytes), static_cast<std::size_t>(length));
  OPENSSL_free(bytes);
  return out;
}

dns::TlsaRecord record(int usage, int selector, int matching, const std::string& certificate) {
  return {static_cast<std::uint8_t>(usage), static_cast<std::uint8_t>(selector), static_cast<std::uint8_t>(matching),
          tlsa_data(certificate, selector, matching)};
}

class Dane : public ::testing::Test {
 protected:
  TestCert ca_ = TestCert::authority("Test CA", days_from_now(-1), days_from_now(30));
  TestCert leaf_ = TestCert::leaf("mx1.example.test", "DNS:mx1.example.test", &ca_, days_from_now(-1), days_from_now(30));
  TestCert other_ = TestCert::leaf("mx2.example.test", "DNS:mx2.example.test", &ca_, days_from_now(-1), days_from_now(30));
  std::vector<std::string> chain_ = {der(leaf_), der(ca_)};
};

TEST_F(Dane, DaneEeMatchesTheServersOwnCertificateBySelectorAndMatchingType) {
  for (int selector : {0, 1}) {
    for (int matching : {0, 1, 2}) {
      EXPECT_TRUE(dane_matches({record(3, selector, matching, der(leaf_))}, chain_)) << selector << matching;
    }
  }
  EXPECT_EQ(tlsa_data(der(leaf_), 1, 1).size(), 32u);  // SHA-256
  EXPECT_EQ(tlsa_data(der(leaf_), 1, 2).size(), 64u);  // SHA-512
}

TEST_F(Dane, StaleRecordDoesNotMatch) {
  EXPECT_FALSE(dane_matches({record(3, 1, 1, der(other_))}, chain_));
  // One matching record among stale ones is enough.
  EXPECT_TRUE(dane_matches({record(3, 1, 1, der(other_)), record(3, 1, 1, der(leaf_))}, chain_));
}

TEST_F(Dane, DaneTaMatchesACertificateAfterTheServersOwnOnly) {
  EXPECT_TRUE(dane_matches({record(2, 0, 1, der(ca_))}, chain_));
  EXPECT_FALSE(dane_matches({record(2, 0, 1, der(leaf_))}, chain_));  // the leaf is no trust anchor
}

TEST_F(Dane, PkixUsagesDoNotApplyToSmtp) {
  const std::vector<dns::TlsaRecord> pkix = {record(0, 0, 1, der(ca_)), record(1, 1, 1, der(leaf_))};
  EXPECT_EQ(usable_count(pkix), 0u);
  EXPECT_FALSE(dane_matches(pkix, chain_));
  EXPECT_FALSE(is_usable({3, 2, 1, {}}));  // no selector 2
  EXPECT_FALSE(is_usable({3, 1, 3, {}}));  // no matching type 3
}

}  // namespace
}  // namespace smtp_exporter::domain
