// Strict parsing of a request target's path and query string.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtp_exporter::http {

struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;  // decoded, in order
  // The value of the first `name`, if present.
  std::optional<std::string> get(std::string_view name) const;
};

// Splits "/probe?target=a%3A25&module=x" and percent-decodes ('+' is a space).
// nullopt with a reason for malformed escapes or an over-long target.
std::optional<Target> parse_target(std::string_view request_target, std::string& why);

}  // namespace smtp_exporter::http
