// Metric state of a mail loop (README, "Mail loops"): what was sent, found, lost and found late,
// the round trips, the last message's verdicts and the mailbox's reachability, updated by the
// loop's runner (loop/loop_runner.hpp) and written to /metrics by write_loops(). No sockets.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtp_exporter::metrics {

// The values as they stand; every counter only grows.
struct LoopValues {
  double sent = 0;
  std::vector<std::pair<std::string, double>> send_failures;  // by reason, every reason present
  std::vector<std::pair<std::string, double>> received;       // by folder, in the order known
  double lost = 0;
  double late = 0;
  double pending = 0;
  std::vector<double> bounds;         // the round-trip histogram's upper bounds (+Inf apart)
  std::vector<double> bucket_counts;  // cumulative, one per bound
  double roundtrip_sum = 0;
  double roundtrip_count = 0;
  double last_roundtrip = 0;
  double last_success = 0;  // Unix time
  std::optional<double> last_queue;
  std::map<std::string, std::string> auth_results;  // method -> result, of the last message found
  bool receive_up = false;
  std::vector<std::pair<std::string, double>> receive_failures;  // by reason, every reason present
};

// A message found within its timeout.
struct LoopArrival {
  std::string folder;
  double roundtrip_seconds = 0;
  double found_at = 0;  // Unix time
  std::optional<double> queue_seconds;
  std::map<std::string, std::string> auth_results;
};

class LoopState {
 public:
  LoopState(std::string name, std::vector<double> bounds, std::span<const std::string_view> send_reasons,
            std::span<const std::string_view> receive_reasons);

  const std::string& name() const { return name_; }
  const LoopValues& values() const { return values_; }

  void sent() { ++values_.sent; }
  void send_failed(std::string_view reason);
  void know_folder(std::string_view folder);  // its received series exists from now on, at 0
  void received(const LoopArrival& arrival);
  void lost() { ++values_.lost; }
  void late() { ++values_.late; }
  void set_pending(std::size_t pending) { values_.pending = static_cast<double>(pending); }
  void receive_succeeded() { values_.receive_up = true; }
  void receive_failed(std::string_view reason);

 private:
  std::string name_;
  LoopValues values_;
};

// Appends the smtp_loop_* families for these loops to `out` (nothing without loops).
void write_loops(std::string& out, const std::vector<const LoopState*>& loops);

}  // namespace smtp_exporter::metrics
