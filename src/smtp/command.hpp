// SMTP commands as text, and the checks on what goes into them (RFC 5321 4.1.1, 4.1.2). No
// sockets here: the prober's steps send what these return.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smtp_exporter::smtp {

// Why `address` cannot go between the angle brackets of MAIL FROM:<...> or RCPT TO:<...>
// (RFC 5321 Mailbox: Local-part "@" ( Domain / address-literal ), at most 254 octets, no CR, LF
// or other control characters, no spaces outside a quoted local part); "" if it can. The empty
// address (the null sender "<>") is refused here: the caller allows it where it is allowed.
std::string mailbox_problem(std::string_view address);

// "MAIL FROM:<address>" and "RCPT TO:<address>" (no space after the colon, RFC 5321 4.1.1.2);
// "" gives MAIL FROM:<>. The address must have passed mailbox_problem().
std::string mail_from_command(std::string_view address);
std::string rcpt_to_command(std::string_view address);

// A message as DATA sends it after the 354 (RFC 5321 4.5.2, 4.1.1.4): every line ended by CRLF
// (a bare LF or CR becomes CRLF), a line that starts with "." gets one more, and the end mark
// ".\r\n" follows the last line (with a CRLF first if the message does not end with one).
std::string data_text(std::string_view message);

// The RFC 3463 enhanced status code at the start of a reply's first line ("5.7.1" from
// "5.7.1 Relay access denied"), "" if there is none or its class (2, 4, 5) differs from the
// first digit of `code`.
std::string enhanced_status_code(int code, std::string_view reply_text);

// The SASL mechanisms an EHLO reply's text (Reply::text) advertises on its AUTH lines
// ("AUTH PLAIN LOGIN", also the old "AUTH=PLAIN LOGIN"), upper-cased, de-duplicated, in order.
// Names that are not SASL mechanism names (RFC 4422: A-Z 0-9 - _, at most 20) are skipped.
std::vector<std::string> auth_mechanisms(std::string_view ehlo_text);

}  // namespace smtp_exporter::smtp
