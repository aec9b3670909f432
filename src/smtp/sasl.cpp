#include "smtp/sasl.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "util/text.hpp"

namespace smtp_exporter::smtp {
namespace {

using util::equals_ignoring_case;

// OpenSSL's digests fail only when memory runs out: a bug-class failure, not a server's doing.
void check_openssl(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string mac(SHA256_DIGEST_LENGTH, '\0');
  unsigned int size = 0;
  check_openssl(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(),
                     reinterpret_cast<unsigned char*>(mac.data()), &size) != nullptr && size == mac.size(),
                "HMAC-SHA-256");
  return mac;
}

std::string sha256(std::string_view data) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  check_openssl(SHA256(bytes_of(data), data.size(), reinterpret_cast<unsigned char*>(digest.data())) != nullptr,
                "SHA-256");
  return digest;
}

// RFC 5802's Hi(): PBKDF2 with HMAC-SHA-256, one block.
std::string salted_password(std::string_view password, std::string_view salt, int iterations) {
  std::string key(SHA256_DIGEST_LENGTH, '\0');
  check_openssl(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes_of(salt),
                                  static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(key.size()),
                                  reinterpret_cast<unsigned char*>(key.data())) == 1,
                "PBKDF2");
  return key;
}

std::string exclusive_or(std::string_view a, std::string_view b) {
  std::string out(a);
  for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

// The value of a SCRAM attribute "a=value" when `part` is attribute `name`; nullopt otherwise.
std::optional<std::string_view> scram_attribute(std::string_view part, char name) {
  if (part.size() < 2 || part[0] != name || part[1] != '=') return std::nullopt;
  return part.substr(2);
}

class PlainClient final : public SaslClient {
 public:
  PlainClient(std::string username, std::string password)
      : response_(base64_encode(std::string(1, '\0') + username + '\0' + password)) {}

  std::string_view name() const override { return "PLAIN"; }

  std::optional<std::string> initial_response() override {
    answered_ = true;
    return response_;
  }

  // Only when AUTH PLAIN went without an initial response: the server's empty "334 " asks for it.
  std::optional<std::string> respond(std::string_view challenge) override {
    if (answered_ || !challenge.empty()) return std::nullopt;
    answered_ = true;
    return response_;
  }

 private:
  std::string response_;  // base64(authzid (empty) NUL authcid NUL passwd), RFC 4616
  bool answered_ = false;
};

class LoginClient final : public SaslClient {
 public:
  LoginClient(std::string username, std::string password)
      : username_(std::move(username)), password_(std::move(password)) {}

  std::string_view name() const override { return "LOGIN"; }
  std::optional<std::string> initial_response() override { return std::nullopt; }

  // "Username:" then "Password:", in any case. Some servers word their prompts differently
  // ("User Name", none at all), so a prompt we do not know is answered by its position.
  std::optional<std::string> respond(std::string_view challenge) override {
    if (answers_ >= 2) return std::nullopt;
    const auto prompt = base64_decode(challenge);
    if (!prompt) return std::nullopt;
    std::string_view words = *prompt;
    while (!words.empty() && (words.back() == ':' || words.back() == ' ' || words.back() == '\0')) {
      words.remove_suffix(1);
    }
    bool asks_password = answers_ == 1;
    if (equals_ignoring_case(words, "username")) asks_password = false;
    if (equals_ignoring_case(words, "password")) asks_password = true;
    ++answers_;
    return base64_encode(asks_password ? password_ : username_);
  }

 private:
  std::string username_;
  std::string password_;
  int answers_ = 0;
};

class ScramSha256Client final : public SaslClient {
 public:
  // RFC 7677 4: a server's iteration count below 4096 is too weak to accept; far above what any
  // server uses, it would tie up the prober for seconds (a hostile server's cheap attack).
  static constexpr int kMinIterations = 4096;
  static constexpr int kMaxIterations = 1'000'000;

  ScramSha256Client(std::string username, std::string password, std::string client_nonce)
      : password_(std::move(password)),
        client_nonce_(std::move(client_nonce)),
        client_first_bare_("n=" + saslname(username) + ",r=" + client_nonce_) {}

  std::string_view name() const override { return "SCRAM-SHA-256"; }

  std::optional<std::string> initial_response() override {
    if (step_ != Step::start) return std::nullopt;
    step_ = Step::sent_client_first;
    return base64_encode(kGs2Header + client_first_bare_);
  }

  std::optional<std::string> respond(std::string_view challenge) override {
    switch (step_) {
      case Step::start:  // AUTH without an initial response: "334 " asks for it
        if (!challenge.empty()) return std::nullopt;
        return initial_response();
      case Step::sent_client_first: {
        const auto server_first = base64_decode(challenge);
        if (!server_first) return fail();
        return answer_server_first(*server_first);
      }
      case Step::sent_client_final: {
        const auto server_final = base64_decode(challenge);
        if (!server_final) return fail();
        return check_server_final(*server_final);
      }
      case Step::done:
        break;
    }
    return std::nullopt;
  }

  bool server_verified() const override { return server_verified_; }

 private:
  enum class Step { start, sent_client_first, sent_client_final, done };

  // No channel binding, no authorization identity.
  static constexpr const char* kGs2Header = "n,,";

  // RFC 5802 5.1: "=" and "," in a name are escaped. Full SASLprep (RFC 4013) is left out: it
  // changes only non-ASCII names, and servers' user names are ASCII in practice.
  static std::string saslname(std::string_view username) {
    std::string escaped;
    for (char c : username) {
      if (c == '=') {
        escaped += "=3D";
      } else if (c == ',') {
        escaped += "=2C";
      } else {
        escaped += c;
      }
    }
    return escaped;
  }

  std::nullopt_t fail() {
    step_ = Step::done;
    return std::nullopt;
  }

  // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
  std::optional<std::string> answer_server_first(std::string_view server_first) {
    const auto parts = split(server_first, ',');
    if (parts.size() < 3) return fail();  // also refuses "m=": an extension we must not ignore
    const auto nonce = scram_attribute(parts[0], 'r');
    const auto salt_text = scram_attribute(parts[1], 's');
    const auto iterations_text = scram_attribute(parts[2], 'i');
    if (!nonce || !salt_text || !iterations_text) return fail();
    // The server's nonce extends ours; anything else is a replay or a confused server.
    if (nonce->size() <= client_nonce_.size() || nonce->substr(0, client_nonce_.size()) != client_nonce_) {
      return fail();
    }
    const auto salt = base64_decode(*salt_text);
    if (!salt || salt->empty()) return fail();
    int iterations = 0;
    const char* const end = iterations_text->data() + iterations_text->size();
    const auto [parsed_end, error] = std::from_chars(iterations_text->data(), end, iterations);
    if (error != std::errc() || parsed_end != end || iterations < kMinIterations || iterations > kMaxIterations) {
      return fail();
    }

    const std::string client_final_without_proof = "c=" + base64_encode(kGs2Header) + ",r=" + std::string(*nonce);
    const std::string auth_message =
        client_first_bare_ + "," + std::string(server_first) + "," + client_final_without_proof;
    const std::string salted = salted_password(password_, *salt, iterations);
    const std::string client_key = hmac_sha256(salted, "Client Key");
    const std::string client_signature = hmac_sha256(sha256(client_key), auth_message);
    const std::string client_proof = exclusive_or(client_key, client_signature);
    expected_server_signature_ = hmac_sha256(hmac_sha256(salted, "Server Key"), auth_message);

    step_ = Step::sent_client_final;
    return base64_encode(client_final_without_proof + ",p=" + base64_encode(client_proof));
  }

  // server-final-message = (server-error / verifier) ["," extensions]. Either way the answer is
  // the empty line, so that the server's own verdict (235 or 535) ends the exchange; a wrong or
  // missing verifier shows in server_verified().
  std::optional<std::string> check_server_final(std::string_view server_final) {
    const std::string_view first = split(server_final, ',').front();
    step_ = Step::done;
    if (scram_attribute(first, 'e')) return std::string();
    const auto verifier = scram_attribute(first, 'v');
    if (!verifier) return std::nullopt;
    const auto signature = base64_decode(*verifier);
    if (!signature) return std::nullopt;
    server_verified_ = signature->size() == expected_server_signature_.size() &&
                       CRYPTO_memcmp(signature->data(), expected_server_signature_.data(), signature->size()) == 0;
    return std::string();
  }

  std::string password_;
  std::string client_nonce_;
  std::string client_first_bare_;  // "n=user,r=nonce", part of the AuthMessage
  std::string expected_server_signature_;
  Step step_ = Step::start;
  bool server_verified_ = false;
};

// 18 random bytes: 24 base64 characters, none of them ',' (RFC 5802 "printable").
std::string random_nonce() {
  std::array<unsigned char, 18> bytes{};
  check_openssl(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1, "RAND_bytes");
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

const std::vector<std::string_view>& supported_mechanisms() {
  static const std::vector<std::string_view> mechanisms = {"SCRAM-SHA-256", "PLAIN", "LOGIN"};
  return mechanisms;
}

std::unique_ptr<SaslClient> make_sasl_client(std::string_view mechanism, std::string username, std::string password) {
  if (equals_ignoring_case(mechanism, "SCRAM-SHA-256")) {
    return std::make_unique<ScramSha256Client>(std::move(username), std::move(password), random_nonce());
  }
  if (equals_ignoring_case(mechanism, "PLAIN")) {
    return std::make_unique<PlainClient>(std::move(username), std::move(password));
  }
  if (equals_ignoring_case(mechanism, "LOGIN")) {
    return std::make_unique<LoginClient>(std::move(username), std::move(password));
  }
  return nullptr;
}

std::unique_ptr<SaslClient> make_scram_sha256_client_for_test(std::string username, std::string password,
                                                              std::string client_nonce) {
  return std::make_unique<ScramSha256Client>(std::move(username), std::move(password), std::move(client_nonce));
}

std::string_view choose_mechanism(const std::vector<std::string>& advertised) {
  for (const std::string_view mechanism : supported_mechanisms()) {
    const auto is_it = [mechanism](const std::string& name) { return equals_ignoring_case(name, mechanism); };
    if (std::any_of(advertised.begin(), advertised.end(), is_it)) return mechanism;
  }
  return "";
}

}  // namespace smtp_exporter::smtp
