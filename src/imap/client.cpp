#include "imap/client.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "smtp/sasl.hpp"
#include "util/text.hpp"

namespace smtp_exporter::imap {
namespace {

namespace asio = boost::asio;
using util::equals_ignoring_case;

constexpr std::array kFailureNames = {
#define SMTP_EXPORTER_IMAP_NAME(name) std::string_view(#name),
    SMTP_EXPORTER_IMAP_FAILURES(SMTP_EXPORTER_IMAP_NAME)
#undef SMTP_EXPORTER_IMAP_NAME
};

// (Functions, not braced temporaries in co_return: g++ 12 mishandles those in coroutines.)
Outcome succeeded() { return Outcome(); }

Outcome failed(Failure failure, std::string detail) {
  Outcome outcome;
  outcome.failure = failure;
  outcome.detail = std::move(detail);
  return outcome;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = util::to_upper(c);
  return out;
}

std::optional<std::uint32_t> number(std::string_view text) {
  std::uint32_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// "1,5,9" for UID FETCH/STORE/EXPUNGE.
std::string uid_set(const std::vector<std::uint32_t>& uids) {
  std::string out;
  for (const std::uint32_t uid : uids) {
    if (!out.empty()) out += ',';
    out += std::to_string(uid);
  }
  return out;
}

// The first line of a response as the transcript shows it: literals as their markers.
std::string shown_line(const Response& response) {
  switch (response.kind) {
    case Response::Kind::tagged: return response.tag + " " + response.line;
    case Response::Kind::continuation: return "+ " + response.line;
    case Response::Kind::untagged: break;
  }
  return "* " + response.line;
}

// N of an untagged "* N EXISTS": the messages in the selected folder (RFC 3501 7.3.1).
std::optional<std::uint32_t> exists_count(const Response& response) {
  if (response.kind != Response::Kind::untagged) return std::nullopt;
  const std::string_view line = response.line;
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos || !equals_ignoring_case(line.substr(space + 1), "EXISTS")) return std::nullopt;
  return number(line.substr(0, space));
}

// Whether an EXISTS (a message arrived, or the count changed) is among these responses.
bool has_exists(const std::vector<Response>& responses) {
  return std::ranges::any_of(responses, [](const Response& r) { return exists_count(r).has_value(); });
}

}  // namespace

std::string_view failure_name(Failure failure) { return kFailureNames[static_cast<std::size_t>(failure)]; }

// One response, or why none came.
struct Client::Read {
  Outcome outcome;
  Response response;
};

// A command's tagged response with the untagged ones before it.
struct Client::Tagged {
  Outcome outcome;           // failure none: a tagged response came (its status says which)
  StatusResponse status;     // OK, NO or BAD
  std::vector<Response> untagged;
  bool ok() const { return outcome.ok() && status.name == "OK"; }
};

asio::awaitable<Client::Read> Client::next_response(Clock::time_point deadline) {
  Read read;
  for (;;) {
    if (!pending_.empty()) {
      std::size_t used = 0;
      const auto status = parser_.feed(pending_, used);
      pending_.erase(0, used);
      if (status == ResponseParser::Status::complete) {
        read.response = parser_.take();
        if (transcript_.enabled()) transcript_.received(shown_line(read.response), stream_.arrived());
        co_return read;
      }
      if (status == ResponseParser::Status::error) {
        transcript_.note("protocol error: " + parser_.error());
        read.outcome = failed(Failure::protocol, parser_.error());
        co_return read;
      }
    }
    std::string_view fresh;
    const boost::system::error_code ec = co_await stream_.read_some(fresh, deadline);
    if (ec == asio::error::timed_out) {
      read.outcome = failed(Failure::timeout, "timed out waiting for a response");
      co_return read;
    }
    if (ec) {
      const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      read.outcome =
          failed(Failure::closed, closed ? "connection closed by the server" : "read failed: " + ec.message());
      transcript_.note(read.outcome.detail);
      co_return read;
    }
    pending_.append(fresh);
  }
}

asio::awaitable<std::optional<Response>> Client::read_answer(const std::string& tag, Clock::time_point deadline,
                                                             Tagged& answer) {
  for (;;) {
    Read read = co_await next_response(deadline);
    if (!read.outcome.ok()) {
      answer.outcome = std::move(read.outcome);
      co_return std::nullopt;
    }
    note_capabilities(read.response);
    if (read.response.kind == Response::Kind::continuation) co_return std::move(read.response);
    const auto status = status_of(read.response);
    if (read.response.kind == Response::Kind::tagged) {
      if (read.response.tag != tag || !status ||
          (status->name != "OK" && status->name != "NO" && status->name != "BAD")) {
        answer.outcome = failed(Failure::protocol, "unexpected tagged response: " + shown_line(read.response));
      } else {
        answer.status = *status;
      }
      co_return std::nullopt;
    }
    if (status && status->name == "BYE") {
      answer.outcome = failed(Failure::closed, "server said BYE: " + status->text);
      co_return std::nullopt;
    }
    answer.untagged.push_back(std::move(read.response));
  }
}

asio::awaitable<Outcome> Client::send_line(std::string_view line, Clock::time_point deadline, std::string_view shown) {
  transcript_.sent(shown.empty() ? line : shown);
  std::string bytes;
  bytes.reserve(line.size() + 2);
  bytes.append(line).append("\r\n");
  const boost::system::error_code ec = co_await stream_.write(bytes, deadline);
  if (!ec) co_return succeeded();
  Outcome outcome = ec == asio::error::timed_out ? failed(Failure::timeout, "timed out writing")
                                                 : failed(Failure::closed, "write failed: " + ec.message());
  transcript_.note(outcome.detail);
  co_return outcome;
}

void Client::note_capabilities(const Response& response) {
  // "* CAPABILITY IMAP4rev1 IDLE ..." or a status response's [CAPABILITY ...] code.
  std::string_view list;
  std::string code_args;
  if (response.kind == Response::Kind::untagged && response.line.size() >= 10 &&
      equals_ignoring_case(std::string_view(response.line).substr(0, 10), "CAPABILITY") &&
      (response.line.size() == 10 || response.line[10] == ' ')) {
    list = std::string_view(response.line).substr(std::min<std::size_t>(11, response.line.size()));
  } else if (const auto status = status_of(response); status && status->code == "CAPABILITY") {
    code_args = status->code_args;
    list = code_args;
  } else {
    return;
  }
  capabilities_.clear();
  while (!list.empty()) {
    const std::size_t space = list.find(' ');
    const std::string_view name = list.substr(0, space);
    if (!name.empty()) capabilities_.insert(upper(name));
    list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
  }
}

bool Client::has_capability(std::string_view name) const { return capabilities_.contains(upper(name)); }

asio::awaitable<Client::Tagged> Client::command(std::string_view line, Clock::time_point deadline,
                                                std::string_view shown) {
  const std::string tag = "a" + std::to_string(next_tag_++);
  Tagged result;
  const std::string shown_text = shown.empty() ? std::string() : tag + " " + std::string(shown);
  result.outcome = co_await send_line(tag + " " + std::string(line), deadline, shown_text);
  if (!result.outcome.ok()) co_return result;
  const std::optional<Response> continuation = co_await read_answer(tag, deadline, result);
  if (continuation) {
    result.outcome = failed(Failure::protocol, "unexpected continuation request: " + shown_line(*continuation));
  }
  co_return result;
}

asio::awaitable<Outcome> Client::handshake(const Tls& tls, Clock::time_point deadline) {
  const prober::TlsUpgrade upgrade =
      co_await stream_.upgrade_to_tls(*tls.context, tls.server_name, tls.insecure_skip_verify, deadline, tls_facts_);
  if (upgrade.failure == prober::Failure::none) co_return succeeded();
  co_return failed(upgrade.failure == prober::Failure::tls_verify ? Failure::tls_verify : Failure::tls_handshake,
                   upgrade.detail);
}

asio::awaitable<Outcome> Client::open(const asio::ip::tcp::endpoint& endpoint, const Tls& implicit_tls,
                                      Clock::time_point deadline) {
  transcript_.note("connecting to " + endpoint.address().to_string() + " port " + std::to_string(endpoint.port()));
  const boost::system::error_code ec = co_await stream_.connect(endpoint, deadline);
  if (ec == asio::error::timed_out) co_return failed(Failure::timeout, "timed out connecting");
  if (ec) co_return failed(Failure::connect, "connect failed: " + ec.message());
  if (implicit_tls.context != nullptr) {
    Outcome tls = co_await handshake(implicit_tls, deadline);
    if (!tls.ok()) co_return tls;
  }
  Read greeting = co_await next_response(deadline);
  if (!greeting.outcome.ok()) co_return greeting.outcome;
  note_capabilities(greeting.response);
  const auto status = status_of(greeting.response);
  if (greeting.response.kind != Response::Kind::untagged || !status) {
    co_return failed(Failure::protocol, "not an IMAP greeting: " + shown_line(greeting.response));
  }
  if (status->name == "BYE") co_return failed(Failure::closed, "server said BYE: " + status->text);
  if (status->name != "OK" && status->name != "PREAUTH") {
    co_return failed(Failure::protocol, "not an IMAP greeting: " + shown_line(greeting.response));
  }
  if (capabilities_.empty()) {
    const Tagged asked = co_await command("CAPABILITY", deadline);
    if (!asked.ok()) co_return outcome_of(asked, Failure::protocol, "CAPABILITY");
  }
  co_return succeeded();
}

asio::awaitable<Outcome> Client::starttls(const Tls& tls, Clock::time_point deadline) {
  if (!has_capability("STARTTLS")) co_return failed(Failure::tls_handshake, "the server does not offer STARTTLS");
  const Tagged started = co_await command("STARTTLS", deadline);
  if (!started.ok()) co_return outcome_of(started, Failure::tls_handshake, "STARTTLS");
  if (!pending_.empty()) {  // plaintext injected before TLS (CVE-2011-0411-style)
    co_return failed(Failure::protocol, "the server sent more after its STARTTLS response, before TLS");
  }
  Outcome tls_outcome = co_await handshake(tls, deadline);
  if (!tls_outcome.ok()) co_return tls_outcome;
  capabilities_.clear();  // what was said before TLS counts no more (RFC 3501 6.2.1)
  const Tagged asked = co_await command("CAPABILITY", deadline);
  if (!asked.ok()) co_return outcome_of(asked, Failure::protocol, "CAPABILITY");
  co_return succeeded();
}

asio::awaitable<Client::Tagged> Client::authenticate(std::string_view mechanism, const std::string& username,
                                                     const std::string& password, Clock::time_point deadline) {
  Tagged result;
  auto sasl = smtp::make_sasl_client(mechanism, username, password);
  const std::string tag = "a" + std::to_string(next_tag_++);
  std::string line = tag + " AUTHENTICATE " + std::string(sasl->name());
  std::optional<std::string> initial = sasl->initial_response();
  if (initial && has_capability("SASL-IR")) {  // RFC 4959: the first response on the command line
    line += " " + (initial->empty() ? std::string("=") : *initial);
    initial.reset();
  }
  result.outcome = co_await send_line(line, deadline, tag + " AUTHENTICATE " + std::string(sasl->name()) + " ***");
  while (result.outcome.ok()) {
    const std::optional<Response> challenge = co_await read_answer(tag, deadline, result);
    if (!challenge) break;
    std::optional<std::string> answer;
    if (initial) {  // no SASL-IR: the first challenge is empty, the initial response answers it
      answer = std::move(initial);
      initial.reset();
    } else {
      answer = sasl->respond(challenge->line);
    }
    // "*" cancels an exchange the client cannot follow (RFC 3501 6.2.2); the server says BAD.
    const std::string reply = answer ? *answer : std::string("*");
    result.outcome = co_await send_line(reply, deadline, "***");
  }
  if (result.ok() && !sasl->server_verified()) {
    result.outcome = failed(Failure::login, "the server did not prove it knows the password (SCRAM)");
  }
  co_return result;
}

asio::awaitable<Outcome> Client::login(const std::string& username, const std::string& password, bool allow_plaintext,
                                       Clock::time_point deadline) {
  if (!stream_.is_tls() && !allow_plaintext) {
    co_return failed(Failure::plaintext, "no TLS: the password is not sent in clear (allow_plaintext is false)");
  }
  std::vector<std::string> offered;
  for (const std::string& capability : capabilities_) {
    if (capability.starts_with("AUTH=")) offered.push_back(capability.substr(5));
  }
  const std::string_view mechanism = smtp::choose_mechanism(offered);
  Tagged done;
  if (!mechanism.empty()) {
    done = co_await authenticate(mechanism, username, password, deadline);
  } else if (has_capability("LOGINDISABLED")) {
    co_return failed(Failure::plaintext, "the server offers no login here (LOGINDISABLED, no AUTH= the client speaks)");
  } else {
    const auto user = astring(username);
    const auto secret = astring(password);
    if (!user || !secret) co_return failed(Failure::login, "the username or password has a line break or NUL");
    done = co_await command("LOGIN " + *user + " " + *secret, deadline, "LOGIN " + *user + " ***");
  }
  if (!done.ok()) co_return outcome_of(done, Failure::login, "login");
  // A server may announce new capabilities once logged in; ask when it did not say them.
  if (done.status.code != "CAPABILITY") {
    const Tagged asked = co_await command("CAPABILITY", deadline);
    if (!asked.ok()) co_return outcome_of(asked, Failure::protocol, "CAPABILITY");
  }
  co_return succeeded();
}

asio::awaitable<std::pair<Outcome, std::vector<Folder>>> Client::list(Clock::time_point deadline) {
  std::pair<Outcome, std::vector<Folder>> result;
  const Tagged listed = co_await command("LIST \"\" \"*\"", deadline);
  if (!listed.ok()) {
    result.first = outcome_of(listed, Failure::refused, "LIST");
    co_return result;
  }
  for (const Response& response : listed.untagged) {
    // * LIST (\HasNoChildren \Junk) "." Junk
    const auto items = items_of(response);
    if (!items || items->size() != 4 || !equals_ignoring_case((*items)[0].text, "LIST") ||
        (*items)[1].type != Item::Type::list) {
      continue;
    }
    Folder folder;
    folder.name = (*items)[3].text;
    for (const Item& attribute : (*items)[1].items) folder.attributes.push_back(attribute.text);
    result.second.push_back(std::move(folder));
  }
  co_return result;
}

asio::awaitable<Selected> Client::select(std::string_view folder, Clock::time_point deadline) {
  Selected result;
  const auto name = astring(folder);
  if (!name) {
    result.outcome = failed(Failure::refused, "a folder name with a line break");
    co_return result;
  }
  const Tagged selected = co_await command("SELECT " + *name, deadline);
  if (!selected.ok()) {
    result.outcome = outcome_of(selected, Failure::refused, "SELECT " + *name);
    co_return result;
  }
  for (const Response& response : selected.untagged) {
    const auto status = status_of(response);
    if (status && status->code == "UIDVALIDITY") result.uid_validity = number(status->code_args).value_or(0);
    if (const auto exists = exists_count(response)) result.exists = *exists;
  }
  co_return result;
}

asio::awaitable<Found> Client::search_header(std::string_view field, std::string_view value,
                                             Clock::time_point deadline) {
  Found result;
  const auto quoted_field = astring(field);
  const auto quoted_value = astring(value);
  if (!quoted_field || !quoted_value) {
    result.outcome = failed(Failure::refused, "a search text with a line break");
    co_return result;
  }
  const Tagged found = co_await command("UID SEARCH HEADER " + *quoted_field + " " + *quoted_value, deadline);
  if (!found.ok()) {
    result.outcome = outcome_of(found, Failure::refused, "UID SEARCH");
    co_return result;
  }
  for (const Response& response : found.untagged) {
    const auto items = items_of(response);
    if (!items || items->empty() || !equals_ignoring_case((*items)[0].text, "SEARCH")) continue;
    for (std::size_t i = 1; i < items->size(); ++i) {
      if (const auto uid = number((*items)[i].text)) result.uids.push_back(*uid);
    }
  }
  std::sort(result.uids.begin(), result.uids.end());
  result.uids.erase(std::unique(result.uids.begin(), result.uids.end()), result.uids.end());
  co_return result;
}

asio::awaitable<Fetched> Client::fetch_headers(const std::vector<std::uint32_t>& uids, Clock::time_point deadline) {
  Fetched result;
  if (uids.empty()) co_return result;
  const Tagged fetched = co_await command("UID FETCH " + uid_set(uids) + " (UID BODY.PEEK[HEADER])", deadline);
  if (!fetched.ok()) {
    result.outcome = outcome_of(fetched, Failure::refused, "UID FETCH");
    co_return result;
  }
  for (const Response& response : fetched.untagged) {
    // * 12 FETCH (UID 7 BODY[HEADER] {42}...)
    const auto items = items_of(response);
    if (!items || items->size() != 3 || !equals_ignoring_case((*items)[1].text, "FETCH") ||
        (*items)[2].type != Item::Type::list) {
      continue;
    }
    std::optional<std::uint32_t> uid;
    const std::string* header = nullptr;
    const auto& pairs = (*items)[2].items;
    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
      if (equals_ignoring_case(pairs[i].text, "UID")) uid = number(pairs[i + 1].text);
      if (equals_ignoring_case(pairs[i].text, "BODY[HEADER]") && pairs[i + 1].type == Item::Type::string) {
        header = &pairs[i + 1].text;
      }
    }
    if (uid && header != nullptr) result.headers.emplace_back(*uid, *header);
  }
  co_return result;
}

asio::awaitable<Outcome> Client::remove(const std::vector<std::uint32_t>& uids, Clock::time_point deadline) {
  if (uids.empty()) co_return succeeded();
  const std::string set = uid_set(uids);
  const Tagged stored = co_await command("UID STORE " + set + " +FLAGS.SILENT (\\Deleted)", deadline);
  if (!stored.ok()) co_return outcome_of(stored, Failure::refused, "UID STORE");
  const bool uidplus = has_capability("UIDPLUS");
  const std::string expunge = uidplus ? "UID EXPUNGE " + set : std::string("EXPUNGE");
  const Tagged expunged = co_await command(expunge, deadline);
  if (!expunged.ok()) co_return outcome_of(expunged, Failure::refused, uidplus ? "UID EXPUNGE" : "EXPUNGE");
  co_return succeeded();
}

asio::awaitable<Client::Idled> Client::idle(Clock::time_point until, Clock::time_point deadline) {
  Idled result;
  if (!has_capability("IDLE")) {  // a poll: NOOP lets the server report what arrived
    const Tagged polled = co_await command("NOOP", deadline);
    result.outcome = polled.ok() ? succeeded() : outcome_of(polled, Failure::refused, "NOOP");
    result.arrived = has_exists(polled.untagged);
    co_return result;
  }
  const std::string tag = "a" + std::to_string(next_tag_++);
  result.outcome = co_await send_line(tag + " IDLE", deadline, {});
  if (!result.outcome.ok()) co_return result;
  Read read = co_await next_response(deadline);
  if (!read.outcome.ok()) {
    result.outcome = std::move(read.outcome);
    co_return result;
  }
  if (read.response.kind != Response::Kind::continuation) {
    result.outcome = failed(Failure::refused, "IDLE refused: " + shown_line(read.response));
    co_return result;
  }
  // Idling: a timeout here is `until` passing, the expected end of a quiet wait.
  for (;;) {
    read = co_await next_response(std::min(until, deadline));
    if (read.outcome.failure == Failure::timeout) break;
    if (!read.outcome.ok()) {
      result.outcome = std::move(read.outcome);
      co_return result;
    }
    if (const auto status = status_of(read.response); status && status->name == "BYE") {
      result.outcome = failed(Failure::closed, "server said BYE: " + status->text);
      co_return result;
    }
    if (exists_count(read.response)) {
      result.arrived = true;
      break;
    }
  }
  result.outcome = co_await send_line("DONE", deadline, {});
  if (!result.outcome.ok()) co_return result;
  Tagged done;
  const std::optional<Response> continuation = co_await read_answer(tag, deadline, done);
  if (continuation || (done.outcome.ok() && done.status.name != "OK")) {
    done.outcome = failed(Failure::protocol, "unexpected response to DONE: " +
                                                 (continuation ? shown_line(*continuation) : done.status.name));
  }
  result.outcome = std::move(done.outcome);
  if (has_exists(done.untagged)) result.arrived = true;
  co_return result;
}

asio::awaitable<void> Client::logout(Clock::time_point deadline) {
  co_await command("LOGOUT", deadline);
  stream_.close();
}

Outcome Client::outcome_of(const Tagged& tagged, Failure failure, std::string_view what) {
  if (!tagged.outcome.ok()) return tagged.outcome;
  return failed(failure, std::string(what) + " answered " + tagged.status.name + ": " + tagged.status.text);
}

}  // namespace smtp_exporter::imap
