// HTTP basic auth against the bcrypt hashes of basic_auth_users, as exporter-toolkit does it:
// bcrypt through the system's crypt library (libxcrypt), a constant-time compare, and a cache of
// successful checks so that a scrape every few seconds does not cost a bcrypt each time.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace smtp_exporter::web {

struct Credentials {
  std::string user;
  std::string password;
};

// The user and password of an "Authorization: Basic <base64(user:password)>" header value;
// nullopt for another scheme or malformed base64.
std::optional<Credentials> parse_basic_authorization(std::string_view header_value);

// "$2y$", "$2b$" or "$2a$", a two-digit cost from 04 to 31, "$", 53 characters of bcrypt's base64.
bool is_bcrypt_hash(std::string_view text);

// True if crypt(password, hash) gives the hash back, compared in constant time. Slow by design
// (bcrypt at cost 10 takes tens of milliseconds).
bool verify_password(std::string_view password, const std::string& hash);

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);
  BasicAuth(const BasicAuth&) = delete;
  BasicAuth& operator=(const BasicAuth&) = delete;

  // True if these credentials passed a full check before: no bcrypt needed.
  bool cached(const Credentials& credentials) const;
  // The full check (see verify_password), remembered when it passes. An unknown user costs a
  // bcrypt too, so response times do not tell which users exist. Safe to call from any thread.
  bool check(const Credentials& credentials);

 private:
  // HMAC-SHA256 of user and password under a key made at start: the cache holds no password
  // and nothing a dictionary attack could use without that key.
  std::string cache_key(const Credentials& credentials) const;

  std::map<std::string, std::string> users_;
  std::array<unsigned char, 32> cache_secret_{};
  mutable std::mutex mutex_;
  std::unordered_set<std::string> verified_;  // cache_key()s that passed
};

}  // namespace smtp_exporter::web
