// SASL client mechanisms for SMTP AUTH (RFC 4954): PLAIN (RFC 4616), LOGIN (the
// draft-murchison-sasl-login exchange) and SCRAM-SHA-256 (RFC 5802, RFC 7677). No sockets: the
// auth step sends what a mechanism returns and hands it the server's challenges.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/base64.hpp"

namespace smtp_exporter::smtp {

// SASL's base64 (RFC 4648, strict when decoding: with padding, one encoding per byte string).
using util::base64_decode;
using util::base64_encode;

class SaslClient {
 public:
  virtual ~SaslClient() = default;
  // The SASL name, upper case: "PLAIN", "LOGIN", "SCRAM-SHA-256".
  virtual std::string_view name() const = 0;
  // The initial response, base64, sent on the AUTH line itself; nullopt if the mechanism starts
  // with the server's challenge (LOGIN).
  virtual std::optional<std::string> initial_response() = 0;
  // The answer (base64) to a 334 challenge (`challenge`: the base64 text after "334 "); nullopt
  // when the challenge is malformed or unexpected, and the exchange must be cancelled with "*".
  virtual std::optional<std::string> respond(std::string_view challenge) = 0;
  // After 235: whether the server proved it knows the password (SCRAM's server signature);
  // true for mechanisms without such a proof.
  virtual bool server_verified() const { return true; }
};

// The mechanisms this client speaks, best first: what `auto` picks from.
const std::vector<std::string_view>& supported_mechanisms();

// A client for `mechanism` (SASL name, any case); null if it is not one of supported_mechanisms().
std::unique_ptr<SaslClient> make_sasl_client(std::string_view mechanism, std::string username, std::string password);

// SCRAM-SHA-256 with a fixed client nonce instead of a random one, so that tests can replay the
// RFC 7677 example byte for byte. Never for a real exchange: the nonce must be unpredictable.
std::unique_ptr<SaslClient> make_scram_sha256_client_for_test(std::string username, std::string password,
                                                              std::string client_nonce);

// The best of supported_mechanisms() that `advertised` (auth_mechanisms()) lists; "" if none.
std::string_view choose_mechanism(const std::vector<std::string>& advertised);

}  // namespace smtp_exporter::smtp
