// Base64 (RFC 4648 section 4, the standard alphabet): SASL's exchanges (RFC 4954) and HTTP
// basic auth credentials (RFC 7617).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smtp_exporter::util {

std::string base64_encode(std::string_view bytes);

enum class Base64Decoding {
  // Whole quads, '=' only as the padding of the last one, and zero bits under the padding
  // (RFC 4648 3.5), so that each byte string has exactly one accepted encoding: SASL.
  strict,
  // Padding optional (any run of '=' at the end is ignored) and the bits under it unchecked, as
  // HTTP clients' basic auth credentials come; still refused: any other character, and a single
  // character left over (no whole byte).
  lenient,
};

// nullopt if `text` is not base64 by the rules of `decoding`.
std::optional<std::string> base64_decode(std::string_view text, Base64Decoding decoding = Base64Decoding::strict);

}  // namespace smtp_exporter::util
