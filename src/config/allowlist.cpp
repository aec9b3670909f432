#include "config/allowlist.hpp"

#include <arpa/inet.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "util/port.hpp"

namespace smtp_exporter::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

// A pattern's port: 1-65535 (0 means any port, so it cannot be written).
bool parse_port(std::string_view text, std::uint16_t& port) {
  const std::optional<std::uint16_t> value = util::parse_port(text);
  if (!value || *value == 0) return false;
  port = *value;
  return true;
}

// Address text -> family and bytes.
bool to_bytes(const std::string& address, int& family, std::array<unsigned char, 16>& bytes) {
  bytes.fill(0);
  if (inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
    family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
    family = AF_INET6;
    return true;
  }
  return false;
}

bool in_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& net, int prefix) {
  for (int bit = 0; bit < prefix; ++bit) {
    const int i = bit / 8;
    const int mask = 0x80 >> (bit % 8);
    if ((a[static_cast<std::size_t>(i)] & mask) != (net[static_cast<std::size_t>(i)] & mask)) return false;
  }
  return true;
}

}  // namespace

std::optional<ProbeAllowList::Pattern> ProbeAllowList::parse(std::string_view text, std::string* why) {
  Pattern p;
  std::string_view body = text;
  // Optional port: "[v6/len]:port", or "x:port" when there is exactly one colon.
  if (body.starts_with('[')) {
    const auto close = body.find(']');
    if (close == std::string_view::npos) {
      *why = "missing ]";
      return std::nullopt;
    }
    const std::string_view rest = body.substr(close + 1);
    if (!rest.empty() && (!rest.starts_with(':') || !parse_port(rest.substr(1), p.port))) {
      *why = "bad port after ]";
      return std::nullopt;
    }
    body = body.substr(1, close - 1);
  } else if (std::count(body.begin(), body.end(), ':') == 1) {
    const auto colon = body.find(':');
    if (!parse_port(body.substr(colon + 1), p.port)) {
      *why = "bad port \"" + std::string(body.substr(colon + 1)) + "\"";
      return std::nullopt;
    }
    body = body.substr(0, colon);
  }
  if (body.empty()) {
    *why = "empty pattern";
    return std::nullopt;
  }
  if (const auto slash = body.find('/'); slash != std::string_view::npos) {
    p.is_cidr = true;
    const int max_prefix = body.find(':') == std::string_view::npos ? 32 : 128;
    unsigned len = 0;
    const std::string_view len_text = body.substr(slash + 1);
    const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (len_text.empty() || ec != std::errc() || end != len_text.data() + len_text.size() ||
        len > static_cast<unsigned>(max_prefix) || !to_bytes(std::string(body.substr(0, slash)), p.family, p.net)) {
      *why = "bad CIDR \"" + std::string(body) + "\"";
      return std::nullopt;
    }
    p.prefix = static_cast<int>(len);
    return p;
  }
  // A host glob: DNS characters and the wildcards * and ?.
  const bool ok = std::all_of(body.begin(), body.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '*' || c == '?';
  });
  if (!ok || body.size() > 255) {
    *why = "expected a CIDR or a host glob, got \"" + std::string(body) + "\"";
    return std::nullopt;
  }
  p.glob = lower(body);
  return p;
}

bool ProbeAllowList::has_cidrs() const {
  return std::any_of(patterns_.begin(), patterns_.end(), [](const Pattern& p) { return p.is_cidr; });
}

bool ProbeAllowList::allows_name(const HostPort& target) const {
  const std::string host = lower(target.host);
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const Pattern& p) {
    return !p.is_cidr && (p.port == 0 || p.port == target.port) && fnmatch(p.glob.c_str(), host.c_str(), 0) == 0;
  });
}

bool ProbeAllowList::allows_address(std::string_view address, std::uint16_t port) const {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
  if (!to_bytes(std::string(address), family, bytes)) return false;
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const Pattern& p) {
    return p.is_cidr && p.family == family && (p.port == 0 || p.port == port) && in_prefix(bytes, p.net, p.prefix);
  });
}

}  // namespace smtp_exporter::config
