#include "domain/mta_sts.hpp"

#include <algorithm>
#include <charconv>

namespace smtp_exporter::domain {
namespace {

constexpr std::uint32_t kMaxAge = 31557600;  // RFC 8461 3.2: about one year

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::optional<std::string> sts_record_id(std::string_view txt) {
  bool version = false;
  std::optional<std::string> id;
  bool first = true;
  while (!txt.empty()) {
    const auto semicolon = txt.find(';');
    const std::string_view field = trim(txt.substr(0, semicolon));
    txt = semicolon == std::string_view::npos ? std::string_view() : txt.substr(semicolon + 1);
    if (field.empty()) continue;
    const auto equals = field.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(field.substr(0, equals));
    const std::string_view value = trim(field.substr(equals + 1));
    if (first) {  // "v=STSv1" must come first
      if (key != "v" || value != "STSv1") return std::nullopt;
      version = true;
      first = false;
      continue;
    }
    if (key == "id") {
      if (value.empty() || value.size() > 32 || !std::all_of(value.begin(), value.end(), is_alnum)) return std::nullopt;
      id = std::string(value);
    }
  }
  if (!version) return std::nullopt;
  return id;
}

std::optional<StsPolicy> parse_sts_policy(std::string_view text, std::string& why) {
  StsPolicy policy;
  bool version = false, mode = false, max_age = false;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      why = "policy line without ':'";
      return std::nullopt;
    }
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (!version && key != "version") {
      why = "the policy does not start with version: STSv1";
      return std::nullopt;
    }
    if (key == "version") {
      if (value != "STSv1") {
        why = "version is not STSv1";
        return std::nullopt;
      }
      version = true;
    } else if (key == "mode") {
      if (value == "enforce") policy.mode = StsPolicy::Mode::enforce;
      else if (value == "testing") policy.mode = StsPolicy::Mode::testing;
      else if (value == "none") policy.mode = StsPolicy::Mode::none;
      else {
        why = "unknown mode";
        return std::nullopt;
      }
      mode = true;
    } else if (key == "max_age") {
      std::uint64_t seconds = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty() || seconds > kMaxAge) {
        why = "max_age is not a number of seconds up to 31557600";
        return std::nullopt;
      }
      policy.max_age = static_cast<std::uint32_t>(seconds);
      max_age = true;
    } else if (key == "mx") {
      policy.mx.push_back(lower(value));
    }  // other keys: extensions, ignored (RFC 8461 3.2)
  }
  if (!version) why = "empty policy";
  else if (!mode) why = "no mode";
  else if (!max_age) why = "no max_age";
  else if (policy.mode != StsPolicy::Mode::none && policy.mx.empty()) why = "no mx pattern";
  else return policy;
  return std::nullopt;
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
  const std::string p = lower(pattern);
  const std::string h = lower(host);
  if (p.starts_with("*.")) {
    const auto dot = h.find('.');
    return dot != std::string::npos && dot > 0 && h.substr(dot + 1) == p.substr(2);
  }
  return p == h;
}

bool policy_covers(const StsPolicy& policy, std::string_view host) {
  return std::any_of(policy.mx.begin(), policy.mx.end(),
                     [&](const std::string& pattern) { return mx_pattern_matches(pattern, host); });
}

std::string_view mode_name(StsPolicy::Mode mode) {
  switch (mode) {
    case StsPolicy::Mode::enforce: return "enforce";
    case StsPolicy::Mode::testing: return "testing";
    case StsPolicy::Mode::none: return "none";
  }
  return "none";
}

}  // namespace smtp_exporter::domain
