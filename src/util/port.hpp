// TCP port numbers as written in addresses ("host:25", ":9025", "[::1]:587").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace smtp_exporter::util {

// The port `digits` names: decimal digits only (no sign, no space), 0 to 65535; nullopt
// otherwise. Leading zeros are accepted and port 0 is returned: a caller that refuses either
// (a target needs 1-65535; a listen address may ask for 0) checks that itself.
std::optional<std::uint16_t> parse_port(std::string_view digits);

}  // namespace smtp_exporter::util
