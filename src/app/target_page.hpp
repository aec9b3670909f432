// The page of one target at /target?name=...: its state, the last probe's phases as a horizontal
// bar, its last probes (StatusHistory::kProbes) with their timed transcripts (redacted as
// /probe?debug=true shows them: an auth step's secrets never reach a transcript), its
// certificate's facts, and links to probe it through /probe. A domain target shows its MX
// addresses instead. Rendered from templates/target_page.mustache, every value HTML-escaped.
#pragma once

#include <cstddef>
#include <string>

#include "app/targets.hpp"

namespace smtp_exporter::app {

struct TargetPage {
  const TargetEntry& entry;
  std::size_t transcript_share = 0;  // what each target may keep of transcripts (transcript_share())
  double now = 0;                    // Unix seconds, for the certificate's days left; 0: the clock's
};

std::string render_target_page(const TargetPage& page);

// The entry of the target named `name` among `targets`; null if none.
std::shared_ptr<TargetEntry> find_target(const Targets& targets, std::string_view name);

}  // namespace smtp_exporter::app
