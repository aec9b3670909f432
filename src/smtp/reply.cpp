#include "smtp/reply.hpp"

#include <algorithm>
#include <cctype>

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
    line_.append(chunk);
    if (lf == std::string_view::npos) {
      consumed = data.size();
      return Status::need_more;
    }
    consumed += lf + 1;
    const Status s = finish_line();
    if (s != Status::need_more) return s;
  }
  return Status::need_more;
}

// One whole line is in line_ (without its LF): check it and add it to the reply.
ReplyParser::Status ReplyParser::finish_line() {
  if (!line_.empty() && line_.back() == '\r') {
    line_.pop_back();
  } else {
    ++bare_lf_;  // tolerated, but counted
  }
  reply_bytes_ += line_.size() + 2;
  if (reply_bytes_ > limits_.max_reply || reply_.lines.size() >= limits_.max_lines) {
    error_ = "reply larger than " + std::to_string(limits_.max_reply) + " octets or " +
             std::to_string(limits_.max_lines) + " lines";
    return Status::error;
  }
  const auto digit = [this](std::size_t i) {
    return std::isdigit(static_cast<unsigned char>(line_[i])) != 0;
  };
  if (line_.size() < 3 || !digit(0) || !digit(1) || !digit(2) || line_[0] < '1' || line_[0] > '5') {
    error_ = "malformed reply line (no 3-digit code)";
    return Status::error;
  }
  const int code = std::stoi(line_.substr(0, 3));
  const char sep = line_.size() > 3 ? line_[3] : ' ';
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
  reply_.lines.push_back(line_.size() > 4 ? line_.substr(4) : std::string());
  line_.clear();
  if (sep == ' ') {
    complete_ = true;
    return Status::complete;
  }
  return Status::need_more;
}

std::vector<std::string> ehlo_keywords(const Reply& reply) {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    const std::string& line = reply.lines[i];
    std::size_t b = 0;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t')) ++b;
    std::size_t e = b;
    while (e < line.size() && line[e] != ' ' && line[e] != '\t' && line[e] != '=') ++e;
    std::string kw = line.substr(b, e - b);
    // RFC 5321 ehlo-keyword: ALPHA / DIGIT, then ALPHA / DIGIT / "-"; at most 64 is generous.
    const bool valid =
        !kw.empty() && kw.size() <= 64 && std::isalnum(static_cast<unsigned char>(kw[0])) &&
        std::all_of(kw.begin(), kw.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        });
    if (!valid) continue;
    std::transform(kw.begin(), kw.end(), kw.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    if (std::find(out.begin(), out.end(), kw) == out.end()) out.push_back(std::move(kw));
  }
  return out;
}

}  // namespace smtp_exporter::smtp
