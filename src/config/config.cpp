// The small member functions of the config values.
#include "config/config.hpp"

namespace smtp_exporter::config {

bool Module::same_settings(const Module& other) const {
  // The name is the module's identity, not one of its settings.
  return timeout == other.timeout && qos_timeout == other.qos_timeout &&
         ehlo_name == other.ehlo_name && helo_fallback == other.helo_fallback &&
         ip_protocol == other.ip_protocol && expect_banner == other.expect_banner &&
         buckets == other.buckets && tls == other.tls && tls_config == other.tls_config &&
         protocol == other.protocol && steps == other.steps;
}

std::vector<std::string> Module::step_names() const {
  std::vector<std::string> names;
  for (const Step& step : steps) names.push_back(step.name);
  return names;
}

const Module* Config::find_module(std::string_view name) const {
  const auto found = modules.find(std::string(name));
  return found == modules.end() ? nullptr : &found->second;
}

std::string Error::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

}  // namespace smtp_exporter::config
