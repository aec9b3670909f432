#include "imap/response.hpp"

#include <algorithm>
#include <charconv>

#include "util/text.hpp"

namespace smtp_exporter::imap {

namespace {

// RFC 9051's atom-specials: what ends an atom, besides CTL and 8-bit.
bool atom_special(char c) {
  return c == '(' || c == ')' || c == '{' || c == ' ' || c == '%' || c == '*' || c == '"' || c == '\\' ||
         c == ']';
}
bool atom_char(char c) { return c > ' ' && c < 0x7f && !atom_special(c); }

// The length of a literal marker "{n}" or "{n+}" that ends `text`; nullopt if it does not end so.
std::optional<std::size_t> trailing_literal(std::string_view text) {
  if (text.empty() || text.back() != '}') return std::nullopt;
  const std::size_t open = text.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view digits = text.substr(open + 1, text.size() - open - 2);
  if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);  // LITERAL+ (non-synchronising)
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = util::to_upper(c);
  return out;
}

}  // namespace

ResponseParser::Status ResponseParser::feed(std::string_view data, std::size_t& consumed) {
  consumed = 0;
  if (complete_) return Status::complete;
  if (!error_.empty()) return Status::error;
  while (consumed < data.size()) {
    if (in_literal_) {
      const std::size_t n = std::min(literal_left_, data.size() - consumed);
      literals_.back().append(data.substr(consumed, n));
      consumed += n;
      bytes_ += n;
      literal_left_ -= n;
      in_literal_ = literal_left_ > 0;
      continue;
    }
    const std::string_view rest = data.substr(consumed);
    const std::size_t lf = rest.find('\n');
    const std::string_view chunk = lf == std::string_view::npos ? rest : rest.substr(0, lf + 1);
    if (line_.size() + part_.size() + chunk.size() > limits_.max_line + 2) {
      error_ = "response longer than " + std::to_string(limits_.max_line) + " octets outside its literals";
      return Status::error;
    }
    part_.append(chunk);
    consumed += chunk.size();
    bytes_ += chunk.size();
    if (lf == std::string_view::npos) return Status::need_more;
    const Status status = finish_line_part();
    if (status != Status::need_more) return status;
  }
  return Status::need_more;
}

ResponseParser::Status ResponseParser::finish_line_part() {
  std::string_view text(part_);
  text.remove_suffix(1);                                   // LF
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);  // CR (a bare LF is taken too)
  if (const auto literal = trailing_literal(text)) {
    if (*literal > limits_.max_literal) {
      error_ = "literal of " + std::to_string(*literal) + " octets, more than " + std::to_string(limits_.max_literal);
      return Status::error;
    }
    if (literals_.size() == limits_.max_literals || bytes_ + *literal > limits_.max_response) {
      error_ = "response larger than its limits (" + std::to_string(limits_.max_literals) + " literals, " +
               std::to_string(limits_.max_response) + " octets)";
      return Status::error;
    }
    line_.append(text);
    literals_.emplace_back();
    literal_left_ = *literal;
    in_literal_ = *literal > 0;
    part_.clear();
    return Status::need_more;
  }
  line_.append(text);
  part_.clear();
  // "* ...", "+ ..." (or a bare "+"), or "<tag> ...": anything else is not IMAP.
  const bool untagged = line_.starts_with("* ");
  const bool continuation = line_ == "+" || line_.starts_with("+ ");
  if (!untagged && !continuation) {
    const std::size_t space = line_.find(' ');
    bool tag_ok = space != std::string::npos && space > 0;
    for (std::size_t i = 0; tag_ok && i < space; ++i) tag_ok = atom_char(line_[i]) && line_[i] != '+';
    if (!tag_ok) {
      error_ = "not an IMAP response: it starts with neither \"* \", \"+\" nor a tag";
      return Status::error;
    }
  }
  complete_ = true;
  return Status::complete;
}

Response ResponseParser::take() {
  Response out;
  if (line_.starts_with("* ")) {
    out.kind = Response::Kind::untagged;
    out.line = line_.substr(2);
  } else if (line_.starts_with("+")) {
    out.kind = Response::Kind::continuation;
    out.line = line_.size() > 2 ? line_.substr(2) : "";
  } else {
    const std::size_t space = line_.find(' ');
    out.kind = Response::Kind::tagged;
    out.tag = line_.substr(0, space);
    out.line = line_.substr(space + 1);
  }
  out.literals = std::move(literals_);
  reset();
  return out;
}

void ResponseParser::reset() {
  part_.clear();
  line_.clear();
  literals_.clear();
  literal_left_ = 0;
  in_literal_ = false;
  bytes_ = 0;
  complete_ = false;
  error_.clear();
}

std::optional<StatusResponse> status_of(const Response& response) {
  if (response.kind == Response::Kind::continuation) return std::nullopt;
  std::string_view rest(response.line);
  const std::size_t space = rest.find(' ');
  StatusResponse out;
  out.name = upper(rest.substr(0, space));
  if (out.name != "OK" && out.name != "NO" && out.name != "BAD" && out.name != "PREAUTH" && out.name != "BYE") {
    return std::nullopt;
  }
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close != std::string_view::npos) {
      const std::string_view code = rest.substr(1, close - 1);
      const std::size_t code_space = code.find(' ');
      out.code = upper(code.substr(0, code_space));
      if (code_space != std::string_view::npos) out.code_args = std::string(code.substr(code_space + 1));
      rest.remove_prefix(close + 1);
      if (rest.starts_with(' ')) rest.remove_prefix(1);
    }
  }
  out.text = std::string(rest);
  return out;
}

std::optional<std::vector<Item>> items_of(const Response& response, std::string* why) {
  constexpr std::size_t kMaxDepth = 16;
  const std::string_view line(response.line);
  std::vector<std::vector<Item>> open(1);  // the top level, then each list being read
  std::size_t literal = 0;
  auto fail = [&](std::string reason) -> std::optional<std::vector<Item>> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ') {
      ++i;
    } else if (c == '(') {
      if (open.size() > kMaxDepth) return fail("lists nested deeper than " + std::to_string(kMaxDepth));
      open.emplace_back();
      ++i;
    } else if (c == ')') {
      if (open.size() == 1) return fail("a ')' without its '('");
      Item list{Item::Type::list, {}, std::move(open.back())};
      open.pop_back();
      open.back().push_back(std::move(list));
      ++i;
    } else if (c == '"') {
      std::string text;
      ++i;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        text += line[i++];
      }
      if (i == line.size()) return fail("a quoted string without its closing '\"'");
      ++i;
      open.back().push_back({Item::Type::string, std::move(text), {}});
    } else if (c == '{') {
      const std::size_t close = line.find('}', i);
      if (close == std::string_view::npos || !trailing_literal(line.substr(i, close - i + 1))) {
        return fail("a '{' that is no literal marker");
      }
      if (literal == response.literals.size()) return fail("a literal marker without its literal");
      open.back().push_back({Item::Type::string, response.literals[literal++], {}});
      i = close + 1;
    } else {
      // An atom; a '[' in it (BODY[HEADER.FIELDS (SUBJECT)]) runs to its ']', spaces and all.
      const std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '(' && line[i] != ')') {
        if (line[i] == '[') {
          const std::size_t close = line.find(']', i);
          if (close == std::string_view::npos) return fail("a '[' without its ']'");
          i = close;
        }
        ++i;
      }
      std::string text(line.substr(start, i - start));
      const bool nil = upper(text) == "NIL";
      open.back().push_back({nil ? Item::Type::nil : Item::Type::atom, nil ? std::string() : std::move(text), {}});
    }
  }
  if (open.size() != 1) return fail("a '(' without its ')'");
  return std::move(open.front());
}

std::optional<std::string> astring(std::string_view text) {
  bool atom = !text.empty();
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return std::nullopt;
    if (!atom_char(c) && c != ']') atom = false;
  }
  if (atom) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace smtp_exporter::imap
