#include <crypt.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "web/basic_auth.hpp"

namespace smtp_exporter::web {
namespace {

using namespace std::string_literals;

// From PHP's password_verify() documentation: an independent $2y$ hash of "rasmuslerdorf".
const std::string kPhpHash = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

// bcrypt of `password` at cost 5 (quick) with a fresh random salt, through crypt_r.
std::string bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", 5, nullptr, 0, salt, sizeof salt) == nullptr) return "";
  const auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), salt, data.get());
  return hash != nullptr ? hash : "";
}

TEST(VerifyPassword, HashMadeNow) {
  const std::string hash = bcrypt("correct horse");
  ASSERT_TRUE(hash.starts_with("$2b$05$")) << hash;
  ASSERT_TRUE(is_bcrypt_hash(hash)) << hash;
  EXPECT_TRUE(verify_password("correct horse", hash));
  EXPECT_FALSE(verify_password("correct horse ", hash));
  EXPECT_FALSE(verify_password("", hash));
}

TEST(VerifyPassword, KnownTwoYHash) {
  EXPECT_TRUE(verify_password("rasmuslerdorf", kPhpHash));
  EXPECT_FALSE(verify_password("rasmuslerdorF", kPhpHash));
}

TEST(VerifyPassword, NulInsidePasswordNeverPasses) {
  const std::string hash = bcrypt("ab");
  EXPECT_TRUE(verify_password("ab", hash));
  EXPECT_FALSE(verify_password("ab\0cd"s, hash));  // crypt() would stop reading at the NUL
}

TEST(VerifyPassword, NotAHash) {
  EXPECT_FALSE(verify_password("x", "x"));
  EXPECT_FALSE(verify_password("x", ""));
}

TEST(IsBcryptHash, AcceptsTheThreeVariantsOnly) {
  EXPECT_TRUE(is_bcrypt_hash(kPhpHash));
  EXPECT_TRUE(is_bcrypt_hash("$2b$" + kPhpHash.substr(4)));
  EXPECT_TRUE(is_bcrypt_hash("$2a$" + kPhpHash.substr(4)));
  EXPECT_FALSE(is_bcrypt_hash("$2x$" + kPhpHash.substr(4)));
  EXPECT_FALSE(is_bcrypt_hash("$2y$03$" + kPhpHash.substr(7)));  // cost below 4
  EXPECT_FALSE(is_bcrypt_hash("$2y$32$" + kPhpHash.substr(7)));  // cost above 31
  EXPECT_FALSE(is_bcrypt_hash(kPhpHash.substr(0, 59)));
  EXPECT_FALSE(is_bcrypt_hash(kPhpHash.substr(0, 59) + "!"));
  EXPECT_FALSE(is_bcrypt_hash("$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"));
  EXPECT_FALSE(is_bcrypt_hash("secret"));
}

TEST(ParseBasicAuthorization, UserAndPassword) {
  const auto credentials = parse_basic_authorization("Basic YWxpY2U6c2VjcmV0");  // alice:secret
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->user, "alice");
  EXPECT_EQ(credentials->password, "secret");
}

TEST(ParseBasicAuthorization, PasswordMayHoldColonsAndBeEmpty) {
  auto credentials = parse_basic_authorization("basic  YWxpY2U6YTpiOmM=");  // alice:a:b:c
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->user, "alice");
  EXPECT_EQ(credentials->password, "a:b:c");
  credentials = parse_basic_authorization("BASIC Ym9iOg");  // bob:, without padding
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->user, "bob");
  EXPECT_EQ(credentials->password, "");
}

TEST(ParseBasicAuthorization, RejectsOtherSchemesAndMalformedValues) {
  EXPECT_EQ(parse_basic_authorization("Bearer YWxpY2U6c2VjcmV0"), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basic"), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("BasicYWxpY2U6c2VjcmV0"), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basic YWxpY2U6c2Vj*mV0"), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basic YWxpY2U"), std::nullopt);   // "alice": no colon
  EXPECT_EQ(parse_basic_authorization("Basic YWxpY2U6c"), std::nullopt);  // a lone 6 bits
}

TEST(BasicAuth, ChecksUsersAndRemembersOnlySuccesses) {
  BasicAuth auth({{"alice", bcrypt("right")}, {"bob", kPhpHash}});
  const Credentials alice{"alice", "right"};
  EXPECT_FALSE(auth.cached(alice));
  EXPECT_TRUE(auth.check(alice));
  EXPECT_TRUE(auth.cached(alice));
  EXPECT_TRUE(auth.check(alice));

  const Credentials wrong{"alice", "wrong"};
  EXPECT_FALSE(auth.check(wrong));
  EXPECT_FALSE(auth.cached(wrong));

  // The same password under another name is another entry.
  EXPECT_FALSE(auth.cached({"bob", "right"}));
  EXPECT_FALSE(auth.check({"bob", "right"}));
  EXPECT_TRUE(auth.check({"bob", "rasmuslerdorf"}));

  EXPECT_FALSE(auth.check({"mallory", "right"}));
  EXPECT_FALSE(auth.check({"", ""}));
  EXPECT_FALSE(auth.cached({"mallory", "right"}));
}

TEST(BasicAuth, UserAndPasswordAreNotRunTogether) {
  // "al" + "iceright" must not be taken for "alice" + "right" in the cache.
  BasicAuth auth({{"alice", bcrypt("right")}, {"al", bcrypt("other")}});
  ASSERT_TRUE(auth.check({"alice", "right"}));
  EXPECT_FALSE(auth.cached({"al", "iceright"}));
}

}  // namespace
}  // namespace smtp_exporter::web
