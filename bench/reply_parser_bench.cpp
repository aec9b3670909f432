// ReplyParser on a typical 10-line EHLO reply, fed whole and fed in small chunks.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "smtp/reply.hpp"

namespace {

using smtp_exporter::smtp::ReplyParser;

constexpr std::string_view kEhloReply =
    "250-mx1.example.org Hello bench.example.org [127.0.0.1]\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 52428800\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250 SMTPUTF8\r\n";

void feed_all(ReplyParser& parser, std::string_view data, std::size_t chunk) {
  while (!data.empty()) {
    std::size_t consumed = 0;
    const auto status = parser.feed(data.substr(0, chunk), consumed);
    data.remove_prefix(consumed);
    if (status == ReplyParser::Status::complete) {
      auto reply = parser.take();
      benchmark::DoNotOptimize(reply);
    } else if (status == ReplyParser::Status::error) {
      return;
    }
  }
}

void BM_ParseEhloReply(benchmark::State& state) {
  const auto chunk = static_cast<std::size_t>(state.range(0));
  ReplyParser parser;
  for (auto _ : state) {
    feed_all(parser, kEhloReply, chunk);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kEhloReply.size()));
  state.SetItemsProcessed(state.iterations());
}
// Whole reply in one read (the usual case on loopback), and 16-octet reads (a slow link).
BENCHMARK(BM_ParseEhloReply)->Arg(4096)->Arg(16);

void BM_EhloKeywords(benchmark::State& state) {
  ReplyParser parser;
  std::size_t consumed = 0;
  parser.feed(kEhloReply, consumed);
  const auto reply = parser.take();
  for (auto _ : state) {
    auto keywords = smtp_exporter::smtp::ehlo_keywords(reply.text);
    benchmark::DoNotOptimize(keywords);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EhloKeywords);

}  // namespace

BENCHMARK_MAIN();
