// libFuzzer target: config::load_string (yaml-cpp, then validation) on arbitrary text.
// Beyond crashes: a result is either a config or a list of errors, never both or neither, and
// every error names where and what.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const auto result = smtp_exporter::config::load_string(yaml, "fuzz.yml");
  if (result.config.has_value() == !result.errors.empty()) std::abort();
  for (const auto& e : result.errors) {
    if (e.message.empty() || e.line < 0 || e.column < 0) std::abort();
    (void)e.to_string();
  }
  return 0;
}
