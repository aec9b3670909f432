// The hosts that receive a domain's mail, from its MX records (RFC 5321 5.1, RFC 7505).
#include "domain/mx.hpp"

#include <gtest/gtest.h>

namespace smtp_exporter::domain {
namespace {

TEST(SelectMx, SortedByPreferenceWithTiesInAnswerOrderAndDuplicatesOnce) {
  const auto set = select_mx({{20, "mx2.example.org"}, {10, "mx1.example.org"}, {20, "mx3.example.org"},
                              {10, "mx1.example.org"}},
                             "example.org", 10);
  EXPECT_EQ(set.kind, MxSet::Kind::listed);
  EXPECT_EQ(set.found, 4u);
  EXPECT_EQ(set.hosts, (std::vector<MxHost>{{"mx1.example.org", 10}, {"mx2.example.org", 20}, {"mx3.example.org", 20}}));
}

TEST(SelectMx, NoRecordsIsTheImplicitMx) {
  const auto set = select_mx({}, "example.org", 10);
  EXPECT_EQ(set.kind, MxSet::Kind::implicit);
  EXPECT_EQ(set.hosts, (std::vector<MxHost>{{"example.org", 0}}));
}

TEST(SelectMx, NullMxHasNoHosts) {
  const auto set = select_mx({{0, ""}}, "example.org", 10);
  EXPECT_EQ(set.kind, MxSet::Kind::null_mx);
  EXPECT_TRUE(set.hosts.empty());
}

TEST(SelectMx, RootAmongOtherRecordsNamesNoHost) {
  const auto set = select_mx({{0, ""}, {10, "mx1.example.org"}}, "example.org", 10);
  EXPECT_EQ(set.kind, MxSet::Kind::listed);
  EXPECT_EQ(set.hosts, (std::vector<MxHost>{{"mx1.example.org", 10}}));
}

TEST(SelectMx, CappedAfterSortingAndCountedWhole) {
  std::vector<dns::MxRecord> records;
  for (int i = 500; i > 0; --i) records.push_back({static_cast<std::uint16_t>(i), "mx" + std::to_string(i) + ".example.org"});
  const auto set = select_mx(records, "example.org", 3);
  EXPECT_EQ(set.found, 500u);
  EXPECT_EQ(set.hosts, (std::vector<MxHost>{{"mx1.example.org", 1}, {"mx2.example.org", 2}, {"mx3.example.org", 3}}));
}

// At most `cap` addresses of an MX, the families in turn (IPv6 first), each in DNS order.
TEST(PickAddresses, BothFamiliesInTurnUpToTheCap) {
  const MxAddresses many{{"::1", "::2", "::3", "::4", "::5"}, {"192.0.2.1", "192.0.2.2", "192.0.2.3"}};
  EXPECT_EQ(pick_addresses(many, 4), (MxAddresses{{"::1", "::2"}, {"192.0.2.1", "192.0.2.2"}}));
  EXPECT_EQ(pick_addresses(many, 3), (MxAddresses{{"::1", "::2"}, {"192.0.2.1"}}));
  EXPECT_EQ(pick_addresses(many, 1), (MxAddresses{{"::1"}, {}}));
  EXPECT_EQ(pick_addresses(many, 16), many);
}

TEST(PickAddresses, OneFamilyShortLeavesTheCapToTheOther) {
  EXPECT_EQ(pick_addresses({{"::1"}, {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"}}, 4),
            (MxAddresses{{"::1"}, {"192.0.2.1", "192.0.2.2", "192.0.2.3"}}));
  EXPECT_EQ(pick_addresses({{}, {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"}}, 4),
            (MxAddresses{{}, {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}}));
  EXPECT_EQ(pick_addresses({{"::1", "::2", "::3", "::4", "::5"}, {}}, 4), (MxAddresses{{"::1", "::2", "::3", "::4"}, {}}));
  EXPECT_EQ(pick_addresses({}, 4), MxAddresses{});
}

}  // namespace
}  // namespace smtp_exporter::domain
