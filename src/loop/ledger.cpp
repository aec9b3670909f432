#include "loop/ledger.hpp"

#include <algorithm>

namespace smtp_exporter::loop {
namespace {

constexpr std::size_t kRemembered = 10000;  // counted messages kept in memory

}  // namespace

void Ledger::sent(std::uint64_t seq, Clock::time_point accepted_at) { out_[seq] = accepted_at; }

std::size_t Ledger::expire(Clock::time_point now) {
  std::size_t given_up = 0;
  for (auto it = out_.begin(); it != out_.end();) {
    if (now >= it->second + timeout_) {
      it = out_.erase(it);
      ++given_up;
    } else {
      ++it;
    }
  }
  return given_up;
}

Ledger::Verdict Ledger::found(const Token& token, Clock::time_point seen_at) {
  Verdict verdict;
  const std::pair<std::uint64_t, std::uint64_t> message{token.run, token.seq};
  if (counted_.contains(message)) {
    verdict.kind = Verdict::Kind::repeated;
    return verdict;
  }
  remember(message);
  if (token.run == run_) {
    if (const auto out = out_.find(token.seq); out != out_.end()) {
      verdict.kind = Verdict::Kind::received;
      verdict.roundtrip = std::max(Clock::duration::zero(), seen_at - out->second);
      out_.erase(out);
      return verdict;
    }
  }
  verdict.kind = Verdict::Kind::late;
  return verdict;
}

std::optional<Ledger::Clock::time_point> Ledger::next_expiry() const {
  std::optional<Clock::time_point> first;
  for (const auto& [seq, accepted_at] : out_) {
    if (!first || accepted_at + timeout_ < *first) first = accepted_at + timeout_;
  }
  return first;
}

void Ledger::remember(std::pair<std::uint64_t, std::uint64_t> message) {
  counted_.insert(message);
  counted_order_.push_back(message);
  if (counted_order_.size() > kRemembered) {
    counted_.erase(counted_order_.front());
    counted_order_.pop_front();
  }
}

}  // namespace smtp_exporter::loop
