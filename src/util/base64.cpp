#include "util/base64.hpp"

#include <algorithm>

namespace smtp_exporter::util {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The value of one base64 character, -1 for any other character ('=' included).
int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t count = std::min<std::size_t>(3, bytes.size() - i);
    const auto octet = [&](std::size_t k) { return k < count ? static_cast<unsigned char>(bytes[i + k]) : 0u; };
    const unsigned group = (octet(0) << 16) | (octet(1) << 8) | octet(2);
    text += kAlphabet[(group >> 18) & 63];
    text += kAlphabet[(group >> 12) & 63];
    text += count > 1 ? kAlphabet[(group >> 6) & 63] : '=';
    text += count > 2 ? kAlphabet[group & 63] : '=';
  }
  return text;
}

std::optional<std::string> base64_decode(std::string_view text, Base64Decoding decoding) {
  const bool strict = decoding == Base64Decoding::strict;
  if (strict && text.size() % 4 != 0) return std::nullopt;
  // Strict: at most two '=', and only at the very end (an '=' left in the text is refused below).
  const std::size_t max_padding = strict ? 2 : text.size();
  for (std::size_t padding = 0; padding < max_padding && text.ends_with('='); ++padding) text.remove_suffix(1);

  std::string bytes;
  bytes.reserve(text.size() / 4 * 3 + 2);
  unsigned bits = 0;  // the last few characters' bits; only the low `count` are pending
  int count = 0;
  for (char c : text) {
    const int value = value_of(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes += static_cast<char>((bits >> count) & 0xff);
    }
  }
  if (count >= 6) return std::nullopt;  // a single character left over is no whole byte
  if (strict && (bits & ((1u << count) - 1)) != 0) return std::nullopt;  // bits under the padding
  return bytes;
}

}  // namespace smtp_exporter::util
