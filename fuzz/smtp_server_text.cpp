// libFuzzer target: what the smtp stage reads from a server besides the reply framing, all of
// it hostile input: enhanced status codes, the AUTH mechanisms of an EHLO reply, and the SASL
// challenges a server sends (SCRAM-SHA-256's server-first and server-final messages, LOGIN's
// prompts). Beyond crashes it checks the promises: an enhanced code is "c.s.d" of the reply's
// class, mechanism names are upper-case SASL names, and a client answers valid base64 or nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/command.hpp"
#include "smtp/sasl.hpp"

namespace {

namespace smtp = smtp_exporter::smtp;

void check(bool ok) {
  if (!ok) std::abort();
}

bool is_mechanism_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  for (const int code : {250, 451, 550}) {
    const std::string enhanced = smtp::enhanced_status_code(code, input);
    check(enhanced.empty() || enhanced.front() == static_cast<char>('0' + code / 100));
  }
  for (const auto& name : smtp::auth_mechanisms(input)) {
    check(!name.empty() && name.size() <= 20);
    for (const char c : name) check(is_mechanism_char(c));
  }
  (void)smtp::mailbox_problem(input);

  // The input as the server's challenges, one per line, to each mechanism in turn.
  for (const auto mechanism : smtp::supported_mechanisms()) {
    auto client = smtp::make_sasl_client(mechanism, "probe@example.org", "secret");
    check(client != nullptr);
    (void)client->initial_response();
    std::string_view rest = input;
    for (int round = 0; round < 4 && !rest.empty(); ++round) {
      const std::size_t end = rest.find('\n');
      const std::string_view challenge = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      const auto answer = client->respond(challenge);
      if (answer) check(smtp::base64_decode(*answer).has_value());
    }
    (void)client->server_verified();
  }
  return 0;
}
