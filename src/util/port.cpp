#include "util/port.hpp"

#include <charconv>

namespace smtp_exporter::util {

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  unsigned value = 0;
  const char* end = digits.data() + digits.size();
  const auto [stop, ec] = std::from_chars(digits.data(), end, value);  // no sign for unsigned
  if (digits.empty() || ec != std::errc() || stop != end || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace smtp_exporter::util
