#include "loop/message.hpp"

#include <array>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <vector>

#include "util/text.hpp"

namespace smtp_exporter::loop {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

template <class Number>
std::optional<Number> number(std::string_view text) {
  Number n{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// The fields of a header block, unfolded (RFC 5322 2.2.3): (name, value) in order.
std::vector<std::pair<std::string_view, std::string>> fields(std::string_view header) {
  std::vector<std::pair<std::string_view, std::string>> out;
  while (!header.empty()) {
    std::size_t end = header.find('\n');
    std::string_view line = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the end of the header
    if ((line.front() == ' ' || line.front() == '\t') && !out.empty()) {
      out.back().second += " ";
      out.back().second += trim(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.emplace_back(trim(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  }
  return out;
}

// An RFC 8601 method or result keyword: letters, digits, '-', '_' and '.', at most 32 of them.
bool is_keyword(std::string_view text) {
  return !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) {
    return util::is_alpha(c) || util::is_digit(c) || c == '-' || c == '_' || c == '.';
  });
}

// Text without RFC 5322 comments ("(...)", nested).
std::string without_comments(std::string_view text) {
  std::string out;
  int depth = 0;
  for (const char c : text) {
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (depth == 0) out += c;
  }
  return out;
}

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

}  // namespace

std::string token_text(const Token& token) {
  return token_prefix(token.instance, token.loop) + " run=" + std::to_string(token.run) +
         "; seq=" + std::to_string(token.seq) + "; sent=" + std::to_string(token.sent);
}

std::string token_prefix(std::string_view instance, std::string_view loop) {
  return "instance=" + std::string(instance) + "; loop=" + std::string(loop) + ";";
}

std::optional<Token> parse_token(std::string_view text) {
  Token token;
  int seen = 0;
  while (!text.empty()) {
    const std::size_t semicolon = text.find(';');
    const std::string_view part = trim(text.substr(0, semicolon));
    text = semicolon == std::string_view::npos ? std::string_view() : text.substr(semicolon + 1);
    if (part.empty()) continue;
    const std::size_t equals = part.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view key = part.substr(0, equals);
    const std::string_view value = part.substr(equals + 1);
    if (key == "instance" && !value.empty()) {
      token.instance = value;
    } else if (key == "loop" && !value.empty()) {
      token.loop = value;
    } else if (key == "run" && number<std::uint64_t>(value)) {
      token.run = *number<std::uint64_t>(value);
    } else if (key == "seq" && number<std::uint64_t>(value)) {
      token.seq = *number<std::uint64_t>(value);
    } else if (key == "sent" && number<std::int64_t>(value)) {
      token.sent = *number<std::int64_t>(value);
    } else {
      return std::nullopt;
    }
    ++seen;
  }
  if (seen != 5 || token.instance.empty() || token.loop.empty()) return std::nullopt;
  return token;
}

std::string compose(const Outgoing& message) {
  const std::string date = format_date(message.token.sent);
  std::string out;
  out += "From: smtp_exporter <" + message.from + ">\r\n";
  out += "To: <" + message.to + ">\r\n";
  out += "Date: " + date + "\r\n";
  out += "Message-ID: <smtp-exporter." + std::to_string(message.token.run) + "." + std::to_string(message.token.seq) +
         "." + message.token.loop + "@" + message.host + ">\r\n";
  out += "Subject: smtp_exporter mail loop " + message.token.loop + " #" + std::to_string(message.token.seq) + "\r\n";
  out += std::string(kTokenHeader) + ": " + token_text(message.token) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=us-ascii\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "\r\n";
  out += "This message was sent by smtp_exporter to measure mail delivery (loop " + message.token.loop + ").\r\n";
  out += "It is deleted when found. Sent " + date + ".\r\n";
  return out;
}

HeaderFacts read_header(std::string_view header) {
  HeaderFacts facts;
  bool auth_results_read = false;
  for (const auto& [name, value] : fields(header)) {
    if (util::equals_ignoring_case(name, kTokenHeader)) {
      if (!facts.token) facts.token = parse_token(value);
    } else if (util::equals_ignoring_case(name, "Received")) {
      const std::size_t semicolon = value.rfind(';');
      if (semicolon == std::string::npos) continue;
      const auto at = parse_date(std::string_view(value).substr(semicolon + 1));
      if (!at) continue;
      if (!facts.last_received) facts.last_received = at;  // the topmost: the last hop
      facts.first_received = at;                            // the bottom one so far
    } else if (util::equals_ignoring_case(name, "Authentication-Results") && !auth_results_read) {
      auth_results_read = true;  // the topmost: added by the receiving side nearest the mailbox
      const std::string text = without_comments(value);
      std::string_view rest = text;
      const std::size_t first = rest.find(';');
      if (first == std::string_view::npos) continue;  // "authserv-id none" or nothing
      rest.remove_prefix(first + 1);
      while (!rest.empty()) {
        const std::size_t semicolon = rest.find(';');
        std::string_view resinfo = trim(rest.substr(0, semicolon));
        rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
        const std::size_t space = resinfo.find_first_of(" \t");
        const std::string_view verdict = resinfo.substr(0, space);  // "dkim=pass"
        const std::size_t equals = verdict.find('=');
        if (equals == std::string_view::npos) continue;
        std::string method = lower(verdict.substr(0, equals));
        if (const std::size_t slash = method.find('/'); slash != std::string::npos) method.resize(slash);
        const std::string result = lower(trim(verdict.substr(equals + 1)));
        // They become label values: RFC 8601's keywords only, nothing a header could smuggle in.
        if (is_keyword(method) && is_keyword(result)) facts.auth_results.emplace(std::move(method), result);
      }
    }
  }
  return facts;
}

std::optional<std::int64_t> parse_date(std::string_view text) {
  const std::string plain = without_comments(text);
  std::vector<std::string_view> words;
  std::string_view rest = plain;
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(" \t\r\n,");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const std::size_t end = rest.find_first_of(" \t\r\n,");
    words.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  std::size_t i = 0;
  if (i < words.size() && !words[i].empty() && util::is_alpha(words[i][0])) ++i;  // the day of the week
  if (words.size() < i + 4) return std::nullopt;
  const auto day = number<int>(words[i]);
  const std::string month_name = lower(words[i + 1]);
  auto year = number<int>(words[i + 2]);
  const std::string_view time = words[i + 3];
  const auto month = std::find(kMonths.begin(), kMonths.end(), month_name);
  if (!day || *day < 1 || *day > 31 || month == kMonths.end() || !year) return std::nullopt;
  if (words[i + 2].size() == 2) *year += *year < 50 ? 2000 : 1900;  // obsolete two-digit years
  if (words[i + 2].size() == 3) *year += 1900;
  // hh:mm[:ss]
  if (time.size() != 5 && time.size() != 8) return std::nullopt;
  const auto hours = number<int>(time.substr(0, 2));
  const auto minutes = number<int>(time.substr(3, 2));
  const auto seconds = time.size() == 8 ? number<int>(time.substr(6, 2)) : std::optional<int>(0);
  if (time[2] != ':' || (time.size() == 8 && time[5] != ':') || !hours || !minutes || !seconds || *hours > 23 ||
      *minutes > 59 || *seconds > 60) {
    return std::nullopt;
  }
  int offset_minutes = 0;  // a missing or unknown zone reads as UTC (RFC 5322 4.3: -0000)
  if (words.size() > i + 4) {
    const std::string_view zone = words[i + 4];
    if (zone[0] == '+' || zone[0] == '-') {
      if (zone.size() != 5) return std::nullopt;
      const auto hh = number<int>(zone.substr(1, 2));
      const auto mm = number<int>(zone.substr(3, 2));
      if (!hh || !mm) return std::nullopt;
      offset_minutes = (zone[0] == '-' ? -1 : 1) * (*hh * 60 + *mm);
    } else {
      constexpr std::pair<std::string_view, int> kZones[] = {{"ut", 0},        {"gmt", 0},       {"est", -5 * 60},
                                                           {"edt", -4 * 60}, {"cst", -6 * 60}, {"cdt", -5 * 60},
                                                           {"mst", -7 * 60}, {"mdt", -6 * 60}, {"pst", -8 * 60},
                                                           {"pdt", -7 * 60}};
      for (const auto& [name, minutes_east] : kZones) {
        if (lower(zone) == name) offset_minutes = minutes_east;
      }
    }
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = static_cast<int>(month - kMonths.begin());
  tm.tm_mday = *day;
  tm.tm_hour = *hours;
  tm.tm_min = *minutes;
  tm.tm_sec = std::min(*seconds, 59);
  const std::time_t utc = timegm(&tm);
  if (utc == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(utc) - offset_minutes * 60;
}

std::string format_date(std::int64_t unix_seconds) {
  static constexpr std::array<const char*, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonthNames[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

}  // namespace smtp_exporter::loop
