#include "http/query.hpp"

namespace smtp_exporter::http {
namespace {

constexpr std::size_t kMaxTarget = 4096;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;  // needs two hex digits
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> Target::get(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<Target> parse_target(std::string_view request_target, std::string& why) {
  if (request_target.size() > kMaxTarget) {
    why = "request target longer than " + std::to_string(kMaxTarget) + " bytes";
    return std::nullopt;
  }
  Target t;
  const auto q = request_target.find('?');
  t.path = std::string(request_target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view query = request_target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string key, value;
    if (!decode(pair.substr(0, eq), key) ||
        (eq != std::string_view::npos && !decode(pair.substr(eq + 1), value))) {
      why = "malformed percent-encoding in the query string";
      return std::nullopt;
    }
    t.params.emplace_back(std::move(key), std::move(value));
  }
  return t;
}

}  // namespace smtp_exporter::http
