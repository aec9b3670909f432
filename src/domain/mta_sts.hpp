// MTA-STS (RFC 8461) without sockets: the `_mta-sts` TXT record, the policy file, and whether
// a policy's `mx` patterns cover an MX host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtp_exporter::domain {

// The id of a TXT record "v=STSv1; id=20160831085700Z;" (1 to 32 letters and digits); nullopt
// if the record is not an STSv1 record.
std::optional<std::string> sts_record_id(std::string_view txt);

struct StsPolicy {
  enum class Mode { enforce, testing, none };
  Mode mode = Mode::none;
  std::uint32_t max_age = 0;      // seconds, at most 31557600
  std::vector<std::string> mx;    // patterns, lower case: "mx1.example.org", "*.example.net"
};

// The policy file (RFC 8461 3.2): "key: value" lines ending in CRLF or LF, `version: STSv1`
// first, then `mode`, `max_age` and at least one `mx` for enforce and testing; unknown keys are
// ignored. nullopt with `why` set when it is not a valid policy.
std::optional<StsPolicy> parse_sts_policy(std::string_view text, std::string& why);

// Whether `pattern` ("mx1.example.org" or "*.example.org": the wildcard stands for exactly the
// leftmost label) matches `host`, case-insensitively.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);
bool policy_covers(const StsPolicy& policy, std::string_view host);

std::string_view mode_name(StsPolicy::Mode mode);

}  // namespace smtp_exporter::domain
