// DNS record data in wire format -> plain values, with every length checked.
#include "dns/records.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace smtp_exporter::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

// "mx1.example.org" -> 3 m x 1 7 e x a m p l e 3 o r g 0
Bytes wire_name(const std::string& name) {
  Bytes out;
  std::size_t start = 0;
  while (start < name.size()) {
    const std::size_t dot = name.find('.', start);
    const std::size_t end = dot == std::string::npos ? name.size() : dot;
    out.push_back(static_cast<std::uint8_t>(end - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(end));
    start = end + 1;
  }
  out.push_back(0);
  return out;
}

TEST(Records, MxWithNameLowerCasedAndNullMx) {
  Bytes mx = {0, 10};
  const Bytes name = wire_name("MX1.Example.ORG");
  mx.insert(mx.end(), name.begin(), name.end());
  EXPECT_EQ(parse_mx(mx), (MxRecord{10, "mx1.example.org"}));
  EXPECT_EQ(parse_mx(Bytes{0, 0, 0}), (MxRecord{0, ""}));  // RFC 7505: "0 ."
}

TEST(Records, MalformedMxIsRefused) {
  EXPECT_FALSE(parse_mx(Bytes{0, 10}));                // no name
  EXPECT_FALSE(parse_mx(Bytes{0, 10, 5, 'a', 'b'}));   // label runs past the end
  EXPECT_FALSE(parse_mx(Bytes{0, 10, 0xC0, 0x0C}));    // a compression pointer
  EXPECT_FALSE(parse_mx(Bytes{0, 10, 1, 'a', 0, 7}));  // bytes after the name
}

TEST(Records, Tlsa) {
  const auto tlsa = parse_tlsa(Bytes{3, 1, 1, 0xab, 0xcd});
  ASSERT_TRUE(tlsa);
  EXPECT_EQ(tlsa->usage, 3);
  EXPECT_EQ(tlsa->selector, 1);
  EXPECT_EQ(tlsa->matching_type, 1);
  EXPECT_EQ(tlsa->data, (Bytes{0xab, 0xcd}));
  EXPECT_FALSE(parse_tlsa(Bytes{3, 1, 1}));
}

TEST(Records, TxtStringsAreJoined) {
  EXPECT_EQ(parse_txt(Bytes{5, 'v', '=', 'S', 'T', 'S', 3, 'v', '1', ';'}), "v=STSv1;");
  EXPECT_FALSE(parse_txt(Bytes{5, 'v'}));
}

TEST(Records, AddressesAndReverseNames) {
  EXPECT_EQ(parse_address(RecordType::a, Bytes{127, 0, 0, 2}), "127.0.0.2");
  Bytes loopback6(16, 0);
  loopback6[15] = 1;
  EXPECT_EQ(parse_address(RecordType::aaaa, loopback6), "::1");
  EXPECT_FALSE(parse_address(RecordType::a, Bytes{127, 0, 0}));
  EXPECT_EQ(reverse_name("127.0.0.2"), "2.0.0.127.in-addr.arpa");
  EXPECT_EQ(reverse_name("::1"), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
  EXPECT_FALSE(reverse_name("mx1.example.org"));
  EXPECT_EQ(parse_ptr(wire_name("mx1.example.org")), "mx1.example.org");
}

}  // namespace
}  // namespace smtp_exporter::dns
