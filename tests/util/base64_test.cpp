#include "util/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smtp_exporter::util {
namespace {

TEST(Base64, Rfc4648TestVectors) {
  struct Case {
    std::string bytes;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(base64_encode(c.bytes), c.text) << c.bytes;
    EXPECT_EQ(base64_decode(c.text), c.bytes) << c.text;
  }
}

TEST(Base64, RoundTripsEveryByteAndLength) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
  for (std::size_t length = 0; length <= all_bytes.size(); ++length) {
    const std::string bytes = all_bytes.substr(all_bytes.size() - length);
    const std::string text = base64_encode(bytes);
    EXPECT_EQ(text.size(), (length + 2) / 3 * 4);
    EXPECT_EQ(base64_decode(text), bytes) << text;
  }
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\xfd", 3)), "//79");
  EXPECT_EQ(base64_decode("+/+/"), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64, StrictRejectsInvalidText) {
  for (const std::string text : {
           "Zg",          // padding missing
           "Zg=",         // padding short
           "Zm9vY",       // not whole quads
           "Z===",        // one character is no byte
           "====",        //
           "Zm9v====",    // a quad of padding
           "Zg==Zg==",    // padding in the middle
           "Zg=A",        // data after padding
           "Zh==",        // bits under the padding not zero
           "Zm9=",        //
           "Zm9v YmFy",   // whitespace
           "Zm9vYmFy\r\n",
           "Zm-_",        // base64url's alphabet
           "Zm9v\xff",
       }) {
    EXPECT_EQ(base64_decode(text), std::nullopt) << text;
  }
}

TEST(Base64, LenientTakesMissingOrOddPaddingAndUncheckedBits) {
  constexpr auto lenient = Base64Decoding::lenient;
  EXPECT_EQ(base64_decode("Zg", lenient), "f");
  EXPECT_EQ(base64_decode("Zg=", lenient), "f");
  EXPECT_EQ(base64_decode("Zg==", lenient), "f");
  EXPECT_EQ(base64_decode("Zg=====", lenient), "f");
  EXPECT_EQ(base64_decode("Zh==", lenient), "f");  // the bits under the padding are not looked at
  EXPECT_EQ(base64_decode("Zm9=", lenient), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy", lenient), "foobar");
  EXPECT_EQ(base64_decode("", lenient), "");
  EXPECT_EQ(base64_decode("====", lenient), "");
}

TEST(Base64, LenientStillRejectsWhatIsNotBase64) {
  for (const std::string text : {
           "Z",           // one character is no byte
           "Zm9vY",       //
           "Z===",        //
           "Zg==Zg==",    // padding in the middle
           "Zg=A",        // data after padding
           "Zm9v YmFy",   // whitespace
           "Zm-_",        // base64url's alphabet
           "Zm9v\xff",
       }) {
    EXPECT_EQ(base64_decode(text, Base64Decoding::lenient), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace smtp_exporter::util
