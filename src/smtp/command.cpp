#include "smtp/command.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "smtp/reply.hpp"
#include "util/text.hpp"

namespace smtp_exporter::smtp {
namespace {

// RFC 5321 4.5.3.1.3: a path is at most 256 octets, the angle brackets included.
constexpr std::size_t kMaxMailboxOctets = 254;
// RFC 1035 2.3.4: a DNS label is at most 63 octets.
constexpr std::size_t kMaxLabelOctets = 63;
// RFC 4422 3.1: a SASL mechanism name is 1 to 20 characters.
constexpr std::size_t kMaxSaslNameOctets = 20;

using util::equals_ignoring_case;
using util::is_digit;
using util::to_upper;

bool is_let_dig(char c) { return util::is_alpha(c) || is_digit(c); }

// RFC 5321 atext (from RFC 5322): the characters of an unquoted local part besides '.'.
bool is_atext(char c) {
  return is_let_dig(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// "'c'" for a reason text; only called with printable ASCII (controls are refused first).
std::string quoted(char c) { return std::string("'") + c + "'"; }

// The problem with a whole address, before its parts are looked at.
std::string character_problem(std::string_view address) {
  for (char c : address) {
    const auto octet = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n') return "contains CR or LF";
    if (octet < 0x20 || octet == 0x7f) return "contains a control character";
    if (octet >= 0x80) return "contains a non-ASCII character";
  }
  return "";
}

// Dot-string = Atom *("." Atom).
std::string dot_string_problem(std::string_view local) {
  if (local.empty()) return "empty local part";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return "misplaced '.' in local part";
  }
  for (char c : local) {
    if (c == ' ') return "space in local part (only allowed in a quoted one)";
    if (c != '.' && !is_atext(c)) return "invalid character " + quoted(c) + " in local part";
  }
  return "";
}

// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str].
std::string domain_problem(std::string_view domain) {
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = domain.find('.', begin);
    const std::string_view label = domain.substr(begin, dot == std::string_view::npos ? dot : dot - begin);
    if (label.empty()) return "empty label in domain";
    if (label.size() > kMaxLabelOctets) return "domain label longer than 63 octets";
    for (char c : label) {
      if (!is_let_dig(c) && c != '-') return "invalid character " + quoted(c) + " in domain";
    }
    if (label.front() == '-' || label.back() == '-') return "domain label starts or ends with '-'";
    if (dot == std::string_view::npos) return "";
    begin = dot + 1;
  }
}

// IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT, 0 to 255.
bool is_ipv4_literal(std::string_view text) {
  int numbers = 0;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = text.find('.', begin);
    const std::string_view snum = text.substr(begin, dot == std::string_view::npos ? dot : dot - begin);
    if (snum.empty() || snum.size() > 3 || !std::all_of(snum.begin(), snum.end(), is_digit)) return false;
    int value = 0;
    for (char c : snum) value = value * 10 + (c - '0');
    if (value > 255) return false;
    ++numbers;
    if (dot == std::string_view::npos) return numbers == 4;
    begin = dot + 1;
  }
}

// "[192.0.2.1]" or "[IPv6:2001:db8::1]"; RFC 5321's General-address-literal (a registered tag)
// is refused: no tag besides IPv6 has been registered.
bool is_address_literal(std::string_view text) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  const std::string_view inner = text.substr(1, text.size() - 2);
  constexpr std::string_view ipv6_tag = "IPv6:";
  if (inner.size() > ipv6_tag.size() && equals_ignoring_case(inner.substr(0, ipv6_tag.size()), ipv6_tag)) {
    // inet_pton's IPv6 grammar is RFC 4291's, which RFC 5321's IPv6-addr follows (IPv4 tail too).
    const std::string address(inner.substr(ipv6_tag.size()));
    in6_addr parsed{};
    return inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
  }
  return is_ipv4_literal(inner);
}

// RFC 4422 3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / "-" / "_".
bool is_sasl_mechanism_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxSaslNameOctets && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_';
         });
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string mailbox_problem(std::string_view address) {
  if (address.empty()) return "empty address";
  if (address.size() > kMaxMailboxOctets) return "longer than 254 octets";
  if (std::string problem = character_problem(address); !problem.empty()) return problem;

  std::size_t at = 0;  // where the "@" after the local part should be
  if (address.front() == '"') {
    // Quoted-string: qtextSMTP (printable ASCII but '"' and '\') or a backslash pair.
    std::size_t i = 1;
    while (i < address.size() && address[i] != '"') i += address[i] == '\\' ? 2 : 1;
    if (i >= address.size()) return "unterminated quoted local part";
    at = i + 1;
  } else {
    at = address.find('@');
    if (at == std::string_view::npos) return "missing '@'";
    if (std::string problem = dot_string_problem(address.substr(0, at)); !problem.empty()) return problem;
  }
  if (at >= address.size() || address[at] != '@') return "missing '@'";

  const std::string_view domain = address.substr(at + 1);
  if (domain.empty()) return "empty domain";
  if (domain.front() == '[') return is_address_literal(domain) ? "" : "invalid address literal";
  return domain_problem(domain);
}

std::string mail_from_command(std::string_view address) {
  std::string command = "MAIL FROM:<";
  command.append(address);
  command += '>';
  return command;
}

std::string rcpt_to_command(std::string_view address) {
  std::string command = "RCPT TO:<";
  command.append(address);
  command += '>';
  return command;
}

std::string enhanced_status_code(int code, std::string_view reply_text) {
  // status-code = class "." subject "." detail; class is "2", "4" or "5", the others 1 to 3 digits.
  if (code < 200 || code >= 600 || code / 100 == 3) return "";
  const std::string_view line = first_line(reply_text);
  if (line.empty() || line[0] != static_cast<char>('0' + code / 100)) return "";
  std::size_t i = 1;
  for (int part = 0; part < 2; ++part) {  // ".subject", then ".detail"
    if (i >= line.size() || line[i] != '.') return "";
    const std::size_t digits_begin = ++i;
    while (i < line.size() && is_digit(line[i])) ++i;
    if (i == digits_begin || i - digits_begin > 3) return "";
  }
  if (i < line.size() && line[i] != ' ') return "";  // "5.1.10x" or "5.1.1000" is no status code
  return std::string(line.substr(0, i));
}

std::vector<std::string> auth_mechanisms(std::string_view ehlo_text) {
  std::vector<std::string> mechanisms;
  const auto lines = reply_lines(ehlo_text);
  for (std::size_t i = 1; i < lines.size(); ++i) {  // the first line is the server's domain
    std::string_view line = lines[i];
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    constexpr std::string_view keyword = "AUTH";
    if (line.size() < keyword.size() || !equals_ignoring_case(line.substr(0, keyword.size()), keyword)) continue;
    line.remove_prefix(keyword.size());
    // "AUTH PLAIN LOGIN", or the pre-RFC 4954 "AUTH=PLAIN LOGIN" some servers still send.
    if (!line.empty() && !is_blank(line.front()) && line.front() != '=') continue;  // "AUTHX"
    if (!line.empty()) line.remove_prefix(1);

    std::size_t begin = 0;
    while (begin < line.size()) {
      std::size_t end = begin;
      while (end < line.size() && !is_blank(line[end])) ++end;
      std::string name(line.substr(begin, end - begin));
      std::transform(name.begin(), name.end(), name.begin(), to_upper);
      if (is_sasl_mechanism_name(name) && std::find(mechanisms.begin(), mechanisms.end(), name) == mechanisms.end()) {
        mechanisms.push_back(std::move(name));
      }
      begin = end + 1;
    }
  }
  return mechanisms;
}

std::string data_text(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\r' || c == '\n') {
      out += "\r\n";
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;  // CRLF is one line end
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out += '.';  // dot-stuffing: the receiver drops the first dot
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace smtp_exporter::smtp
