// A narrow IMAP4rev1 client (RFC 3501, RFC 9051) for the mail loop's receiving side: it logs in,
// selects a folder, finds the exporter's probe messages by a header, reads their headers, deletes
// them and waits in IDLE (RFC 2177) for new ones. It runs on the prober's io_context over the
// same byte stream as an SMTP connection (prober/stream.hpp: TCP, implicit TLS or STARTTLS, a
// deadline on every command). The bytes are parsed by response.hpp; what a message's headers say
// is the loop's business, not the client's.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "imap/response.hpp"
#include "prober/stream.hpp"
#include "prober/transcript.hpp"

namespace smtp_exporter::imap {

// Why a command or the session failed; the names are the loop's receive failure reasons.
#define SMTP_EXPORTER_IMAP_FAILURES(X) \
  X(none)                              \
  X(connect)       /* TCP connect refused or unreachable */             \
  X(tls_handshake) /* TLS did not start (or STARTTLS was refused) */   \
  X(tls_verify)    /* the certificate did not verify */                 \
  X(timeout)       /* no complete response before the deadline */       \
  X(closed)        /* the server closed the connection or said BYE */   \
  X(protocol)      /* a response that is not IMAP, or not the expected one */ \
  X(plaintext)     /* login refused by us: no TLS and plaintext not allowed */ \
  X(login)         /* the server refused the username or password */   \
  X(refused)       /* NO or BAD to another command */

enum class Failure {
#define SMTP_EXPORTER_IMAP_ENUM(name) name,
  SMTP_EXPORTER_IMAP_FAILURES(SMTP_EXPORTER_IMAP_ENUM)
#undef SMTP_EXPORTER_IMAP_ENUM
};
std::string_view failure_name(Failure failure);

// What a command came to: a tagged response (OK, NO or BAD in `status`), or a failure.
struct Outcome {
  Failure failure = Failure::none;
  std::string detail;  // for logs: the server's text, or why no response came
  bool ok() const { return failure == Failure::none; }
};

struct Folder {
  std::string name;                     // as the server spells it ("INBOX", "Junk")
  std::vector<std::string> attributes;  // "\\Junk", "\\Noselect", ...
};

struct Selected {
  Outcome outcome;
  std::uint32_t exists = 0;
  std::uint32_t uid_validity = 0;
};

struct Found {
  Outcome outcome;
  std::vector<std::uint32_t> uids;  // ascending
};

struct Fetched {
  Outcome outcome;
  std::vector<std::pair<std::uint32_t, std::string>> headers;  // UID, header bytes
};

class Client {
 public:
  using Clock = std::chrono::steady_clock;

  Client(const boost::asio::any_io_executor& executor, prober::Transcript& transcript)
      : stream_(executor, transcript), transcript_(transcript) {}
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects and reads the greeting (OK, or PREAUTH); with `implicit_tls` the TLS handshake
  // comes first, verifying the certificate for `server_name` unless `insecure_skip_verify`.
  struct Tls {
    boost::asio::ssl::context* context = nullptr;  // null: no TLS before the greeting
    std::string server_name;
    bool insecure_skip_verify = false;
  };
  boost::asio::awaitable<Outcome> open(const boost::asio::ip::tcp::endpoint& endpoint, const Tls& implicit_tls,
                                       Clock::time_point deadline);
  // STARTTLS (RFC 3501 6.2.1) and the handshake; the capabilities are asked again after it.
  boost::asio::awaitable<Outcome> starttls(const Tls& tls, Clock::time_point deadline);
  // AUTHENTICATE with the best SASL mechanism the server offers (SASL-IR where offered), LOGIN
  // when it offers none the client speaks; refused with `plaintext` before TLS unless
  // `allow_plaintext`. The password never reaches the transcript.
  boost::asio::awaitable<Outcome> login(const std::string& username, const std::string& password,
                                        bool allow_plaintext, Clock::time_point deadline);
  // LIST "" "*": every folder with its attributes (RFC 6154's \Junk among them).
  boost::asio::awaitable<std::pair<Outcome, std::vector<Folder>>> list(Clock::time_point deadline);
  boost::asio::awaitable<Selected> select(std::string_view folder, Clock::time_point deadline);
  // UID SEARCH HEADER <field> <value>.
  boost::asio::awaitable<Found> search_header(std::string_view field, std::string_view value,
                                              Clock::time_point deadline);
  // UID FETCH <uids> BODY.PEEK[HEADER]: the header of each (unseen flags left alone).
  boost::asio::awaitable<Fetched> fetch_headers(const std::vector<std::uint32_t>& uids, Clock::time_point deadline);
  // UID STORE +FLAGS.SILENT (\Deleted), then UID EXPUNGE (RFC 4315) where the server has UIDPLUS,
  // else EXPUNGE (which also removes other messages marked deleted in the folder).
  boost::asio::awaitable<Outcome> remove(const std::vector<std::uint32_t>& uids, Clock::time_point deadline);
  // IDLE until the server announces a new message (EXISTS) or `until`, then DONE; `arrived` says
  // which. A server without IDLE gets a NOOP (a poll) instead.
  struct Idled {
    Outcome outcome;
    bool arrived = false;
  };
  boost::asio::awaitable<Idled> idle(Clock::time_point until, Clock::time_point deadline);
  // LOGOUT, then close; failures do not matter here.
  boost::asio::awaitable<void> logout(Clock::time_point deadline);

  bool has_capability(std::string_view name) const;  // any case
  bool is_tls() const { return stream_.is_tls(); }
  const std::optional<prober::TlsFacts>& tls_facts() const { return tls_facts_; }
  void close() { stream_.close(); }

 private:
  struct Read;
  struct Tagged;
  boost::asio::awaitable<Read> next_response(Clock::time_point deadline);
  // Reads the responses to the command tagged `tag` into `answer` (the untagged ones appended)
  // up to its tagged response (OK, NO or BAD: answer.status). A continuation request that comes
  // first is returned for the caller to answer before it reads on; BYE, a stray tagged response
  // or a failed read end it in answer.outcome.
  boost::asio::awaitable<std::optional<Response>> read_answer(const std::string& tag, Clock::time_point deadline,
                                                              Tagged& answer);
  // Sends "<tag> <line>" and reads to its tagged response, keeping the untagged ones.
  boost::asio::awaitable<Tagged> command(std::string_view line, Clock::time_point deadline,
                                         std::string_view shown = {});
  boost::asio::awaitable<Outcome> send_line(std::string_view line, Clock::time_point deadline,
                                            std::string_view shown);
  boost::asio::awaitable<Tagged> authenticate(std::string_view mechanism, const std::string& username,
                                              const std::string& password, Clock::time_point deadline);
  boost::asio::awaitable<Outcome> handshake(const Tls& tls, Clock::time_point deadline);
  void note_capabilities(const Response& response);
  // The outcome of a command that ended with a tagged NO or BAD (`failure`), or with no tagged
  // response at all (its own failure).
  static Outcome outcome_of(const Tagged& tagged, Failure failure, std::string_view what);

  prober::Stream stream_;
  prober::Transcript& transcript_;
  ResponseParser parser_;
  std::string pending_;  // bytes received after the last complete response
  std::set<std::string> capabilities_;  // upper case
  std::optional<prober::TlsFacts> tls_facts_;
  unsigned next_tag_ = 1;
};

}  // namespace smtp_exporter::imap
