#include <gtest/gtest.h>

#include "config/config.hpp"

namespace smtp_exporter::config {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsPrometheusDurations) {
  const std::pair<const char*, Duration> cases[] = {
      {"0", Duration::zero()},
      {"0s", Duration::zero()},
      {"0ms", Duration::zero()},
      {"500ms", milliseconds(500)},
      {"2s", seconds(2)},
      {"90s", seconds(90)},
      {"1m30s", seconds(90)},
      {"1h", hours(1)},
      {"1d", days(1)},
      {"1w", days(7)},
      {"1y", days(365)},
      {"1y2w3d4h5m6s7ms",
       days(365 + 14 + 3) + hours(4) + minutes(5) + seconds(6) + milliseconds(7)},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_duration(text), expected);
  }
}

TEST(ParseDuration, RejectsMalformedDurations) {
  for (const char* text :
       {"", "s", "10", "1.5s", "-1s", "+1s", "1s1m", "1s1s", "1ms1s", "1 s", " 1s", "1s ", "1S",
        "1sec", "1m30", "m30s", "9223372036854775807s", "99999999999999999999ms"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_duration(text), std::nullopt);
  }
}

TEST(FormatDuration, PrintsTheCanonicalForm) {
  const std::pair<Duration, const char*> cases[] = {
      {Duration::zero(), "0s"},
      {milliseconds(500), "500ms"},
      {seconds(1), "1s"},
      {milliseconds(1500), "1s500ms"},
      {seconds(90), "1m30s"},
      {hours(1), "1h"},
      {hours(25), "1d1h"},
      {days(7), "1w"},
      {days(8), "8d"},
      {days(365), "1y"},
      {milliseconds(-1500), "-1s500ms"},
  };
  for (const auto& [duration, expected] : cases) {
    SCOPED_TRACE(expected);
    EXPECT_EQ(format_duration(duration), expected);
  }
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (const char* text : {"0s", "15s", "1m30s", "2h45m", "1w", "1y", "3d12h", "750ms"}) {
    SCOPED_TRACE(text);
    const auto parsed = parse_duration(text);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(format_duration(*parsed), text);
  }
}

}  // namespace
}  // namespace smtp_exporter::config
