// libFuzzer target: the /probe request target (http::parse_target) and the target address
// (config::parse_host_port). Beyond crashes: a parsed address carries no CR, LF, space or NUL,
// its port is 1..65535, and it prints as text that parses back to the same address unless the
// printed form passes the 255-character cap (a 250-253 character name plus ":25"; a known and
// accepted limit, see tests/config/address_test.cpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "http/query.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_address(std::string_view text) {
  std::string why;
  const auto hp = smtp_exporter::config::parse_host_port(text, &why);
  if (!hp) {
    check(!why.empty());
    return;
  }
  check(!hp->host.empty() && hp->port != 0);
  for (const char c : hp->host) check(c != '\r' && c != '\n' && c != ' ' && c != '\0' && c != '\t');
  const std::string printed = hp->to_string();
  if (printed.size() > 255) return;
  std::string why_again;
  const auto again = smtp_exporter::config::parse_host_port(printed, &why_again);
  check(again.has_value() && *again == *hp);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_address(input);
  std::string why;
  const auto target = smtp_exporter::http::parse_target(input, why);
  if (!target) {
    check(!why.empty());
    return 0;
  }
  check(target->path.find('?') == std::string::npos);
  for (const auto& [key, value] : target->params) {
    if (key == "target") check_address(value);
  }
  return 0;
}
