// libFuzzer target: what the mail loop reads from a received message's header (the token, the
// Received dates, the Authentication-Results verdicts) and the dates themselves, on whatever a
// mail server delivers. Beyond crashes it checks that a token read back writes the same text and
// that a date read back formats and reads to the same instant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "loop/message.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace smtp_exporter::loop;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const HeaderFacts facts = read_header(text);
  if (facts.token) check(parse_token(token_text(*facts.token)) == facts.token);
  check(facts.first_received.has_value() == facts.last_received.has_value());
  if (const auto token = parse_token(text)) check(parse_token(token_text(*token)) == token);
  // Years far outside any mail's are still dates, but format_date is for the exporter's own clock.
  if (const auto at = parse_date(text); at && *at >= 0 && *at < 253402300800) check(parse_date(format_date(*at)) == at);
  return 0;
}
