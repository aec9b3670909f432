// ASCII character tests and case folding for protocol text: SMTP keywords, SASL names, HTTP
// schemes, host names. Unlike <cctype>, these ignore the locale and take any char safely.
#pragma once

#include <algorithm>
#include <string_view>

namespace smtp_exporter::util {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
constexpr char to_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// Equal when ASCII letters are compared without regard to case.
constexpr bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return to_upper(x) == to_upper(y); });
}

}  // namespace smtp_exporter::util
