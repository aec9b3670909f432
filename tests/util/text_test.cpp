#include "util/text.hpp"

#include <gtest/gtest.h>

namespace smtp_exporter::util {
namespace {

TEST(Text, AsciiOnlyWhateverTheLocale) {
  EXPECT_TRUE(is_digit('0') && is_digit('9'));
  EXPECT_FALSE(is_digit('a') || is_digit('/') || is_digit(':') || is_digit('\xb2'));  // '\xb2': superscript 2
  EXPECT_TRUE(is_alpha('a') && is_alpha('Z'));
  EXPECT_FALSE(is_alpha('0') || is_alpha('@') || is_alpha('[') || is_alpha('\xe9'));  // '\xe9': e acute
  EXPECT_EQ(to_upper('a'), 'A');
  EXPECT_EQ(to_upper('z'), 'Z');
  EXPECT_EQ(to_upper('A'), 'A');
  EXPECT_EQ(to_upper('-'), '-');
  EXPECT_EQ(to_upper('\xe9'), '\xe9');
}

TEST(Text, EqualsIgnoringCase) {
  EXPECT_TRUE(equals_ignoring_case("AUTH", "auth"));
  EXPECT_TRUE(equals_ignoring_case("IPv6:", "ipV6:"));
  EXPECT_TRUE(equals_ignoring_case("", ""));
  EXPECT_FALSE(equals_ignoring_case("AUTH", "AUTH "));
  EXPECT_FALSE(equals_ignoring_case("[", "{"));  // 0x5b and 0x7b differ by the case bit only
  EXPECT_FALSE(equals_ignoring_case("\xc9", "\xe9"));  // Latin-1 letters are not folded
}

}  // namespace
}  // namespace smtp_exporter::util
