// MTA-STS (RFC 8461): the TXT record, the policy file and the mx patterns.
#include "domain/mta_sts.hpp"

#include <gtest/gtest.h>

namespace smtp_exporter::domain {
namespace {

TEST(StsRecord, IdOfAnStsV1Record) {
  EXPECT_EQ(sts_record_id("v=STSv1; id=20160831085700Z;"), "20160831085700Z");
  EXPECT_EQ(sts_record_id("v=STSv1;id=abc123"), "abc123");
  EXPECT_EQ(sts_record_id("v=STSv1; id=abc; ext=1"), "abc");
}

TEST(StsRecord, OtherRecordsAndBadIdsAreNotStsV1) {
  EXPECT_FALSE(sts_record_id("v=spf1 -all"));
  EXPECT_FALSE(sts_record_id("id=abc; v=STSv1"));  // the version comes first
  EXPECT_FALSE(sts_record_id("v=STSv1; id=has-dash"));
  EXPECT_FALSE(sts_record_id("v=STSv1; id=" + std::string(33, 'a')));
  EXPECT_FALSE(sts_record_id("v=STSv1"));  // no id
}

TEST(StsPolicy, EnforcePolicyWithCrlfAndUnknownKeys) {
  std::string why;
  const auto policy = parse_sts_policy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.Example.NET\r\nmax_age: 604800\r\nfoo: bar\r\n",
      why);
  ASSERT_TRUE(policy) << why;
  EXPECT_EQ(policy->mode, StsPolicy::Mode::enforce);
  EXPECT_EQ(policy->max_age, 604800u);
  EXPECT_EQ(policy->mx, (std::vector<std::string>{"mail.example.com", "*.example.net"}));
}

TEST(StsPolicy, InvalidPoliciesSayWhy) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty policy"},
      {"mode: enforce\nversion: STSv1\n", "the policy does not start with version: STSv1"},
      {"version: STSv2\n", "version is not STSv1"},
      {"version: STSv1\nmode: strict\n", "unknown mode"},
      {"version: STSv1\nmode: testing\nmx: a.example\n", "no max_age"},
      {"version: STSv1\nmode: testing\nmax_age: 99999999999\n", "max_age is not a number of seconds up to 31557600"},
      {"version: STSv1\nmode: enforce\nmax_age: 86400\n", "no mx pattern"},
      {"version: STSv1\nnonsense\n", "policy line without ':'"},
  };
  for (const auto& [text, expected] : cases) {
    std::string why;
    EXPECT_FALSE(parse_sts_policy(text, why)) << text;
    EXPECT_EQ(why, expected) << text;
  }
  std::string why;
  EXPECT_TRUE(parse_sts_policy("version: STSv1\nmode: none\nmax_age: 86400\n", why)) << why;
}

TEST(StsPolicy, WildcardStandsForExactlyTheLeftmostLabel) {
  EXPECT_TRUE(mx_pattern_matches("*.example.net", "mx1.example.net"));
  EXPECT_TRUE(mx_pattern_matches("*.example.net", "MX1.Example.Net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", "a.mx1.example.net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", "example.net"));
  EXPECT_TRUE(mx_pattern_matches("mail.example.com", "mail.example.com"));
  EXPECT_FALSE(mx_pattern_matches("mail.example.com", "mail2.example.com"));
  StsPolicy policy;
  policy.mx = {"mail.example.com", "*.example.net"};
  EXPECT_TRUE(policy_covers(policy, "backup.example.net"));
  EXPECT_FALSE(policy_covers(policy, "mx.example.org"));
}

}  // namespace
}  // namespace smtp_exporter::domain
