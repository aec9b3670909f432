#include "web/basic_auth.hpp"

#include <crypt.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "util/base64.hpp"
#include "util/text.hpp"

namespace smtp_exporter::web {
namespace {

// Past this many remembered successes the cache starts over: it only has to hold the few
// scrapers' credentials, and must not grow with a client that tries many passwords.
constexpr std::size_t kMaxCached = 1024;

// bcrypt of a password nobody knows, checked for unknown users (exporter-toolkit does the same).
const std::string kNoSuchUserHash = "$2b$10$3Iv7HqBnrx4SePht/FVqS.1ZlLDnnghI2pYZfMGfj5X.z.bk.pVP6";

bool is_bcrypt_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

}  // namespace

std::optional<Credentials> parse_basic_authorization(std::string_view value) {
  constexpr std::string_view scheme = "Basic ";
  if (!util::equals_ignoring_case(value.substr(0, scheme.size()), scheme)) return std::nullopt;
  value.remove_prefix(scheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  // Lenient: the padding may be missing.
  const auto decoded = util::base64_decode(value, util::Base64Decoding::lenient);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool is_bcrypt_hash(std::string_view text) {
  if (text.size() != 60 || text[0] != '$' || text[1] != '2' || text[3] != '$' || text[6] != '$') return false;
  if (text[2] != 'y' && text[2] != 'b' && text[2] != 'a') return false;
  if (text[4] < '0' || text[4] > '3' || text[5] < '0' || text[5] > '9') return false;
  const int cost = (text[4] - '0') * 10 + (text[5] - '0');
  return cost >= 4 && cost <= 31 && std::all_of(text.begin() + 7, text.end(), is_bcrypt_char);
}

bool verify_password(std::string_view password, const std::string& hash) {
  // crypt() reads a C string: a NUL inside would cut the password short.
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  // crypt_data is about 32 KiB: on the heap, not the stack.
  const auto data = std::make_unique<crypt_data>();
  const char* result = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof *data);
  const bool same = result != nullptr && std::string_view(result).size() == hash.size() &&
                    CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof *data);
  return same;
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {
  if (RAND_bytes(cache_secret_.data(), static_cast<int>(cache_secret_.size())) != 1) {
    throw std::runtime_error("no random bytes for the basic auth cache");
  }
}

std::string BasicAuth::cache_key(const Credentials& credentials) const {
  // The user name's length first, so that ("ab", "c") and ("a", "bc") differ.
  std::string message = std::to_string(credentials.user.size()) + ":" + credentials.user + credentials.password;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), cache_secret_.data(), static_cast<int>(cache_secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  OPENSSL_cleanse(message.data(), message.size());
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool BasicAuth::cached(const Credentials& credentials) const {
  const std::string key = cache_key(credentials);
  const std::lock_guard lock(mutex_);
  return verified_.contains(key);
}

bool BasicAuth::check(const Credentials& credentials) {
  if (cached(credentials)) return true;
  const auto user = users_.find(credentials.user);
  const bool known = user != users_.end();
  const bool passed = verify_password(credentials.password, known ? user->second : kNoSuchUserHash) && known;
  if (passed) {
    const std::string key = cache_key(credentials);
    const std::lock_guard lock(mutex_);
    if (verified_.size() >= kMaxCached) verified_.clear();
    verified_.insert(key);
  }
  return passed;
}

}  // namespace smtp_exporter::web
