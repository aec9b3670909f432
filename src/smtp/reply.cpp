#include "smtp/reply.hpp"

#include <algorithm>

namespace smtp_exporter::smtp {

void ReplyParser::reset() {
  line_.clear();
  reply_ = {};
  reply_bytes_ = 0;
  complete_ = false;
  error_.clear();
}

Reply ReplyParser::take() {
  Reply r = std::move(reply_);
  reset();
  return r;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
char to_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

ReplyParser::Status ReplyParser::feed(std::string_view data, std::size_t& consumed) {
  consumed = 0;
  if (!error_.empty()) return Status::error;
  if (complete_) return Status::complete;
  while (consumed < data.size()) {
    const std::string_view rest = data.substr(consumed);
    const std::size_t lf = rest.find('\n');
    const std::string_view chunk = rest.substr(0, lf == std::string_view::npos ? rest.size() : lf);
    if (line_.size() + chunk.size() > limits_.max_line) {
      error_ = "reply line longer than " + std::to_string(limits_.max_line) + " octets";
      return Status::error;
    }
    if (lf == std::string_view::npos) {  // the rest of this line comes later
      line_.append(chunk);
      consumed = data.size();
      return Status::need_more;
    }
    consumed += lf + 1;
    Status s = Status::need_more;
    if (line_.empty()) {
      s = finish_line(chunk);  // the usual case: the whole line in one read, parsed in place
    } else {
      line_.append(chunk);
      s = finish_line(line_);
      line_.clear();
    }
    if (s != Status::need_more) return s;
  }
  return Status::need_more;
}

// Checks one whole line and adds it to the reply.
ReplyParser::Status ReplyParser::finish_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  } else {
    ++bare_lf_;  // tolerated, but counted
  }
  reply_bytes_ += line.size() + 2;
  if (reply_bytes_ > limits_.max_reply || reply_.lines.size() >= limits_.max_lines) {
    error_ = "reply larger than " + std::to_string(limits_.max_reply) + " octets or " +
             std::to_string(limits_.max_lines) + " lines";
    return Status::error;
  }
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) || line[0] < '1' ||
      line[0] > '5') {
    error_ = "malformed reply line (no 3-digit code)";
    return Status::error;
  }
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  const char sep = line.size() > 3 ? line[3] : ' ';
  if (sep != ' ' && sep != '-') {
    error_ = "malformed reply line (bad separator after code)";
    return Status::error;
  }
  if (!reply_.lines.empty() && code != reply_.code) {
    error_ = "reply code changed within one reply (" + std::to_string(reply_.code) + " then " +
             std::to_string(code) + ")";
    return Status::error;
  }
  reply_.code = code;
  if (reply_.lines.size() == 1) reply_.lines.reserve(8);  // a multi-line reply: EHLO has a few
  reply_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
  if (sep == ' ') {
    complete_ = true;
    return Status::complete;
  }
  return Status::need_more;
}

std::vector<std::string> ehlo_keywords(const Reply& reply) {
  std::vector<std::string> out;
  if (reply.lines.size() > 1) out.reserve(reply.lines.size() - 1);
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    const std::string_view line = reply.lines[i];
    std::size_t b = 0;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t')) ++b;
    std::size_t e = b;
    while (e < line.size() && line[e] != ' ' && line[e] != '\t' && line[e] != '=') ++e;
    const std::string_view kw = line.substr(b, e - b);
    // RFC 5321 ehlo-keyword: ALPHA / DIGIT, then ALPHA / DIGIT / "-"; at most 64 is generous.
    const bool valid =
        !kw.empty() && kw.size() <= 64 && is_alnum(kw[0]) &&
        std::all_of(kw.begin(), kw.end(), [](char c) { return is_alnum(c) || c == '-'; });
    if (!valid) continue;
    std::string upper(kw);
    std::transform(upper.begin(), upper.end(), upper.begin(), to_upper);
    if (std::find(out.begin(), out.end(), upper) == out.end()) out.push_back(std::move(upper));
  }
  return out;
}

}  // namespace smtp_exporter::smtp
