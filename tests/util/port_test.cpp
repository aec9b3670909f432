#include "util/port.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtp_exporter::util {
namespace {

TEST(ParsePort, DecimalDigitsFromZeroTo65535) {
  EXPECT_EQ(parse_port("25"), 25);
  EXPECT_EQ(parse_port("0"), 0);  // a listen address may ask for any free port
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("00025"), 25);  // leading zeros: the caller decides
}

TEST(ParsePort, RejectsAnythingElse) {
  for (const std::string text : {"", "65536", "99999999999999999999", "-1", "+25", " 25", "25 ", "2 5", "25a",
                                 "0x19", "smtp"}) {
    EXPECT_EQ(parse_port(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace smtp_exporter::util
