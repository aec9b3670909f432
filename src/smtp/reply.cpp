#include "smtp/reply.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace smtp_exporter::smtp {

void ReplyParser::reset() {
  line_.clear();
  reply_ = {};
  lines_ = 0;
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

using util::is_digit;

bool is_alnum(char c) { return is_digit(c) || util::is_alpha(c); }

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
    // A reply usually arrives whole: room for all of its text, in one allocation.
    if (lines_ == 0) reply_.text.reserve(std::min(rest.size(), limits_.max_reply));
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
  if (reply_bytes_ > limits_.max_reply || lines_ >= limits_.max_lines) {
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
  if (lines_ > 0 && code != reply_.code) {
    error_ = "reply code changed within one reply (" + std::to_string(reply_.code) + " then " +
             std::to_string(code) + ")";
    return Status::error;
  }
  reply_.code = code;
  if (line.size() > 4) reply_.text.append(line.substr(4));
  reply_.text += '\n';
  ++lines_;
  if (sep == ' ') {
    complete_ = true;
    return Status::complete;
  }
  return Status::need_more;
}

bool is_ehlo_keyword(std::string_view keyword) {
  return !keyword.empty() && keyword.size() <= 64 && is_alnum(keyword.front()) &&
         std::all_of(keyword.begin(), keyword.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

std::vector<std::string_view> reply_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t begin = 0, end = 0; (end = text.find('\n', begin)) != std::string_view::npos; begin = end + 1) {
    lines.push_back(text.substr(begin, end - begin));
  }
  return lines;
}

std::string_view first_line(std::string_view text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> ehlo_keywords(std::string_view text) {
  std::vector<std::string> out;
  const auto lines = reply_lines(text);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    std::size_t b = 0;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t')) ++b;
    std::size_t e = b;
    while (e < line.size() && line[e] != ' ' && line[e] != '\t' && line[e] != '=') ++e;
    const std::string_view keyword = line.substr(b, e - b);
    if (!is_ehlo_keyword(keyword)) continue;
    const auto same = [keyword](const std::string& seen) { return util::equals_ignoring_case(seen, keyword); };
    if (std::any_of(out.begin(), out.end(), same)) continue;  // a repeated keyword
    std::string& upper = out.emplace_back(keyword.size(), '\0');
    std::transform(keyword.begin(), keyword.end(), upper.begin(), util::to_upper);
  }
  return out;
}

}  // namespace smtp_exporter::smtp
