// Prometheus-style durations ("1m30s"), parsed and printed as Prometheus does.
#include <charconv>
#include <cstdint>
#include <limits>

#include "config/config.hpp"

namespace smtp_exporter::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
  bool exact_only;  // printed only when it divides the whole duration ("8d", not "1w1d")
};

constexpr std::int64_t day_ms = 24LL * 60 * 60 * 1000;

// Largest first: the order units must be written in, and the order they are printed in.
constexpr Unit units[] = {
    {"y", 365 * day_ms, true}, {"w", 7 * day_ms, true},
    {"d", day_ms, false},      {"h", 60 * 60 * 1000, false},
    {"m", 60 * 1000, false},   {"s", 1000, false},
    {"ms", 1, false},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration::zero();  // Prometheus accepts a bare zero too
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // each unit at most once, largest first
  while (!text.empty()) {
    // Digits only: from_chars would take a sign, and Prometheus has no fractions.
    if (!is_digit(text.front())) return std::nullopt;
    std::int64_t count = 0;
    const char* end = text.data() + text.size();
    auto [digits_end, ec] = std::from_chars(text.data(), end, count);
    if (ec != std::errc()) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(digits_end - text.data()));

    std::string_view suffix = text.substr(0, text.find_first_of("0123456789"));
    std::size_t unit = next_unit;
    while (unit < std::size(units) && units[unit].suffix != suffix) ++unit;
    if (unit == std::size(units)) return std::nullopt;
    text.remove_prefix(suffix.size());

    const std::int64_t ms = units[unit].ms;
    if (count > (std::numeric_limits<std::int64_t>::max() - total) / ms) return std::nullopt;
    total += count * ms;
    next_unit = unit + 1;
  }
  return Duration(total);
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  if (ms < 0) return "-" + format_duration(-d);
  std::string out;
  for (const Unit& unit : units) {
    if (unit.exact_only && ms % unit.ms != 0) continue;
    if (std::int64_t count = ms / unit.ms; count > 0) {
      out += std::to_string(count);
      out += unit.suffix;
      ms -= count * unit.ms;
    }
  }
  return out;
}

}  // namespace smtp_exporter::config
