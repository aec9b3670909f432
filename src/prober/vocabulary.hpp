// The prober's vocabulary, written once: the phases of a probe, the kinds of step a dialog is
// made of, and the reasons a probe fails. Each list below is the only place its names are
// written; the enums, the name arrays and the counts follow from it. Header-only and free of
// dependencies, so the config reader can name step kinds too.
//
// Adding a step kind: one line in SMTP_EXPORTER_STEP_KINDS, one file under prober/steps/, and
// its keys in config/load.cpp (read_step).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace smtp_exporter::prober {

// Phases of a probe, each timed on its own (smtp_probe_phase_duration_seconds{phase}). tls is the
// handshake (before the greeting for implicit TLS, after STARTTLS otherwise); starttls is the
// STARTTLS command and its reply; ehlo covers every EHLO (or HELO, LHLO) of the dialog. The
// module's configured steps are timed one by one (smtp_step_duration_seconds{step}).
#define SMTP_EXPORTER_PHASES(X) X(resolve) X(connect) X(tls) X(greeting) X(ehlo) X(starttls) X(quit)

// Kinds of step. The first three and quit are the dialog every probe has; auth to rset are
// the ones a module lists under `steps`; data is the mail loop's (loops: send a message).
#define SMTP_EXPORTER_STEP_KINDS(X) \
  X(greeting) X(ehlo) X(starttls) X(auth) X(mail_from) X(rcpt_to) X(rset) X(data) X(quit)

// Failure reasons (smtp_probe_failures_total{reason}): a fixed set, every one exported from the
// start. `none` is not among them.
#define SMTP_EXPORTER_FAILURES(X)                                                                 \
  X(resolve)             /* no address for the target */                                         \
  X(connect_refused)                                                                             \
  X(connect_timeout)                                                                             \
  X(greeting_timeout)                                                                            \
  X(greeting_rejected)   /* 4xx or 5xx instead of 220 */                                          \
  X(ehlo_timeout)                                                                                \
  X(ehlo_rejected)                                                                               \
  X(protocol_error)      /* a malformed reply, a closed connection, an unexpected code */         \
  X(banner_mismatch)                                                                             \
  X(qos_exceeded)        /* the final 250 of EHLO came after 2 x QoS */                          \
  X(tls_handshake)       /* the handshake failed or timed out */                                 \
  X(tls_verify)          /* the chain or the name did not verify */                              \
  X(starttls_not_offered) /* STARTTLS wanted but not advertised: how a downgrade is caught */    \
  X(starttls_rejected)   /* STARTTLS answered other than 220 */                                  \
  X(auth_not_offered)    /* an auth step, and no usable mechanism advertised */                   \
  X(auth_rejected)       /* credentials expected to pass were refused */                         \
  X(auth_accepted)       /* credentials expected to be refused were accepted */                  \
  X(mail_from_rejected)  /* MAIL FROM answered other than expected */                            \
  X(rcpt_rejected)       /* a recipient expected to be accepted was refused (5xx) */             \
  X(rcpt_accepted)       /* a recipient expected to be refused was accepted: an open relay */    \
  X(rcpt_deferred)       /* 4xx where accept or reject was expected (greylisting, a full queue) */ \
  X(data_rejected)       /* DATA, or the message after it, refused (a loop's message) */          \
  X(step_timeout)        /* a configured step got no reply within the module's timeout */

#define SMTP_EXPORTER_ENUM_ENTRY(name) name,
#define SMTP_EXPORTER_NAME_ENTRY(name) #name,
#define SMTP_EXPORTER_COUNT_ENTRY(name) +1

enum class Phase { SMTP_EXPORTER_PHASES(SMTP_EXPORTER_ENUM_ENTRY) };
inline constexpr std::size_t kPhaseCount = 0 SMTP_EXPORTER_PHASES(SMTP_EXPORTER_COUNT_ENTRY);
inline constexpr std::array<std::string_view, kPhaseCount> kPhaseNames = {
    SMTP_EXPORTER_PHASES(SMTP_EXPORTER_NAME_ENTRY)};

enum class StepKind { SMTP_EXPORTER_STEP_KINDS(SMTP_EXPORTER_ENUM_ENTRY) };
inline constexpr std::size_t kStepKindCount = 0 SMTP_EXPORTER_STEP_KINDS(SMTP_EXPORTER_COUNT_ENTRY);
inline constexpr std::array<std::string_view, kStepKindCount> kStepKindNames = {
    SMTP_EXPORTER_STEP_KINDS(SMTP_EXPORTER_NAME_ENTRY)};

enum class Failure { none, SMTP_EXPORTER_FAILURES(SMTP_EXPORTER_ENUM_ENTRY) };
inline constexpr std::size_t kFailureCount = 0 SMTP_EXPORTER_FAILURES(SMTP_EXPORTER_COUNT_ENTRY);
inline constexpr std::array<std::string_view, kFailureCount> kFailureNames = {
    SMTP_EXPORTER_FAILURES(SMTP_EXPORTER_NAME_ENTRY)};

#undef SMTP_EXPORTER_ENUM_ENTRY
#undef SMTP_EXPORTER_NAME_ENTRY
#undef SMTP_EXPORTER_COUNT_ENTRY

inline constexpr std::string_view phase_name(Phase p) { return kPhaseNames[static_cast<std::size_t>(p)]; }
inline constexpr std::string_view step_kind_name(StepKind k) { return kStepKindNames[static_cast<std::size_t>(k)]; }

// Index into kFailureNames; Failure::none has no index.
inline constexpr std::size_t failure_index(Failure f) { return static_cast<std::size_t>(f) - 1; }
inline constexpr std::string_view failure_name(Failure f) {
  return f == Failure::none ? std::string_view("none") : kFailureNames[failure_index(f)];
}

static_assert(kFailureNames[failure_index(Failure::step_timeout)] == "step_timeout");
static_assert(kStepKindNames[static_cast<std::size_t>(StepKind::quit)] == "quit");

}  // namespace smtp_exporter::prober
