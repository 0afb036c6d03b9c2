// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/zone_resolver_test.cpp: ZoneResolver outcomes, faults, CNAMEs,
// query counting, and the zone-text subset it loads.
#include "common/dns/zone_resolver.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace cachet::dns {
namespace {

TEST(ZoneResolver, AnswersAddedRecords) {
  ZoneResolver z;
  z.add("Example.org.", RrType::a, "192.0.2.1", 60);
  z.add_mx("example.org", 5, "MX.example.org");
  z.add_txt("example.org", {"v=spf1 ", "a -all"});
  auto a = z.query("EXAMPLE.ORG", RrType::a);
  ASSERT_EQ(a.status, Status::answer);
  EXPECT_EQ(a.records[0].value, "192.0.2.1");
  EXPECT_EQ(a.records[0].ttl, 60u);
  a = z.query("example.org", RrType::mx);
  EXPECT_EQ(a.records.at(0).preference, 5);
  EXPECT_EQ(a.records.at(0).value, "mx.example.org");
  a = z.query("example.org", RrType::txt);
  EXPECT_EQ(a.records.at(0).value, "v=spf1 a -all");
  EXPECT_EQ(a.records.at(0).txt_strings.size(), 2u);
}

TEST(ZoneResolver, TellsNxdomainFromNodataAndEmptyNonTerminal) {
  ZoneResolver z;
  z.set_negative_ttl(42);
  z.add("a.b.example.org", RrType::a, "192.0.2.1");
  auto got = z.query("a.b.example.org", RrType::txt);
  EXPECT_EQ(got.status, Status::nodata);
  EXPECT_EQ(got.negative_ttl, 42u);
  EXPECT_EQ(z.query("b.example.org", RrType::a).status, Status::nodata);  // RFC 8020
  EXPECT_EQ(z.query("c.example.org", RrType::a).status, Status::nxdomain);
  EXPECT_EQ(z.query("xa.b.example.org", RrType::a).status, Status::nxdomain);
}

TEST(ZoneResolver, FollowsCnamesAndReturnsOnlyTheAskedType) {
  ZoneResolver z;
  z.add("www.example.org", RrType::cname, "web.example.org");
  z.add("web.example.org", RrType::a, "192.0.2.5");
  const auto got = z.query("www.example.org", RrType::a);
  ASSERT_EQ(got.status, Status::answer);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].owner, "web.example.org");
  const auto lookup = z.lookup("www.example.org", RrType::a);
  EXPECT_EQ(lookup.answer_section.size(), 2u);  // what a server sends: CNAME + A
}

TEST(ZoneResolver, CnameLoopIsServfail) {
  ZoneResolver z;
  z.add("a.example.org", RrType::cname, "b.example.org");
  z.add("b.example.org", RrType::cname, "a.example.org");
  EXPECT_EQ(z.query("a.example.org", RrType::a).status, Status::servfail);
}

TEST(ZoneResolver, FaultsPerNameAndType) {
  ZoneResolver z;
  z.add("example.org", RrType::a, "192.0.2.1");
  z.set_timeout("slow.example.org");
  z.set_servfail("example.org", RrType::txt);
  EXPECT_EQ(z.query("slow.example.org", RrType::mx).status, Status::timeout);
  EXPECT_EQ(z.query("example.org", RrType::txt).status, Status::servfail);
  EXPECT_EQ(z.query("example.org", RrType::a).status, Status::answer);
  z.set_truncated("example.org");  // only the test server acts on it
  EXPECT_EQ(z.query("example.org", RrType::a).status, Status::answer);
  z.clear_faults();
  EXPECT_EQ(z.query("slow.example.org", RrType::mx).status, Status::nxdomain);
}

TEST(ZoneResolver, CountsQueries) {
  ZoneResolver z;
  z.query("a.example", RrType::a);
  z.query("", RrType::a);
  EXPECT_EQ(z.query_count(), 2u);
  z.reset_query_count();
  EXPECT_EQ(z.query_count(), 0u);
}

TEST(ZoneResolver, InvalidNamesAreFlagged) {
  ZoneResolver z;
  const auto got = z.query("a..example", RrType::a);
  EXPECT_EQ(got.status, Status::nxdomain);
  EXPECT_TRUE(got.is_invalid_name);
}

// Owners and targets in presentation form (name.hpp): one spelling per name, any octet.
TEST(ZoneResolver, NamesWithOddOctets) {
  ZoneResolver z;
  ASSERT_TRUE(z.load_zone_text("A\\032B.example. A 192.0.2.1\n"
                               "mx.example. MX 10 h\\000st\\046x.example.\n")
                  .has_value());
  EXPECT_EQ(z.query("a\\032b.example", RrType::a).status, Status::answer);
  EXPECT_EQ(z.query("A\\032b.EXAMPLE.", RrType::a).records.at(0).owner, "a\\032b.example");
  EXPECT_EQ(z.query("mx.example", RrType::mx).records.at(0).value, "h\\000st\\046x.example");
  EXPECT_TRUE(z.query("a b.example", RrType::a).is_invalid_name);          // a raw space: no spelling
  EXPECT_TRUE(z.query("\\097\\032b.example", RrType::a).is_invalid_name);  // \\097 is 'a'
  EXPECT_FALSE(z.load_zone_text("a\\.b.example. A 192.0.2.1\n").has_value());
  EXPECT_THROW(z.add("a b.example", RrType::a, "192.0.2.1"), std::invalid_argument);
}

TEST(ZoneResolver, RemoveDropsRecordsAndFaults) {
  ZoneResolver z;
  z.add("example.org", RrType::a, "192.0.2.1");
  z.set_servfail("example.org");
  z.remove("example.org");
  EXPECT_EQ(z.query("example.org", RrType::a).status, Status::nxdomain);
}

TEST(ZoneResolver, BadSetupThrows) {
  ZoneResolver z;
  EXPECT_THROW(z.add("example.org", RrType::a, "not-an-ip"), std::invalid_argument);
  EXPECT_THROW(z.add("a..b", RrType::a, "192.0.2.1"), std::invalid_argument);
  EXPECT_THROW(z.add_txt("example.org", {std::string(256, 'x')}), std::invalid_argument);
}

TEST(ZoneResolver, LongTxtValueIsSplitInto255OctetStrings) {
  ZoneResolver z;
  z.add("example.org", RrType::txt, std::string(600, 'k'));
  const auto got = z.query("example.org", RrType::txt);
  ASSERT_EQ(got.records.at(0).txt_strings.size(), 3u);
  EXPECT_EQ(got.records[0].txt_strings[0].size(), 255u);
  EXPECT_EQ(got.records[0].value.size(), 600u);
}

TEST(ZoneResolver, LoadsZoneText) {
  ZoneResolver z;
  const auto ok = z.load_zone_text(R"(; test zone
example.org.        3600 IN MX    10 mx.example.org.
example.org.        IN TXT  "v=spf1 " "ip4:192.0.2.0/24 -all"  ; comment
mx.example.org.     60 A      192.0.2.25
mx.example.org.     AAAA   2001:db8::25
www.example.org.    CNAME  mx.example.org.
25.2.0.192.in-addr.arpa. PTR mx.example.org.
example.org.        NS     ns1.example.org.
s._domainkey.example.org. TXT "v=DKIM1; k=rsa; " "p=\"q\\\"" bare

)");
  ASSERT_TRUE(ok.has_value()) << ok.error().detail;
  EXPECT_EQ(z.query("example.org", RrType::mx).records.at(0).ttl, 3600u);
  EXPECT_EQ(z.query("example.org", RrType::txt).records.at(0).value, "v=spf1 ip4:192.0.2.0/24 -all");
  EXPECT_EQ(z.query("www.example.org", RrType::aaaa).records.at(0).value, "2001:db8::25");
  EXPECT_EQ(z.query("25.2.0.192.in-addr.arpa", RrType::ptr).records.at(0).value, "mx.example.org");
  EXPECT_EQ(z.query("example.org", RrType::ns).status, Status::answer);
  EXPECT_EQ(z.query("s._domainkey.example.org", RrType::txt).records.at(0).value, "v=DKIM1; k=rsa; p=\"q\\\"bare");
}

struct ZoneCase {
  std::string name, text;
  bool want_ok;
};

class ParseZoneText : public ::testing::TestWithParam<ZoneCase> {};

TEST_P(ParseZoneText, RejectsMalformedLines) {
  const ZoneCase& c = GetParam();
  const auto got = parse_zone_text(c.text);
  EXPECT_EQ(got.has_value(), c.want_ok) << c.name << (got ? "" : ": " + got.error().detail);
}

INSTANTIATE_TEST_SUITE_P(
    Subset, ParseZoneText,
    ::testing::Values(ZoneCase{"empty", "", true}, ZoneCase{"comment only", "; nothing\n", true},
                      ZoneCase{"minimal", "a. A 192.0.2.1", true}, ZoneCase{"missing type", "a. 300 IN", false},
                      ZoneCase{"missing data", "a. A", false}, ZoneCase{"unknown type", "a. HINFO x y", false},
                      ZoneCase{"bad address", "a. A 300.0.0.1", false}, ZoneCase{"v6 in A", "a. A ::1", false},
                      ZoneCase{"mx without host", "a. MX 10", false},
                      ZoneCase{"mx pref too big", "a. MX 70000 b.", false},
                      ZoneCase{"unterminated quote", "a. TXT \"abc", false},
                      ZoneCase{"txt string at 255", "a. TXT \"" + std::string(255, 'x') + "\"", true},
                      ZoneCase{"txt string at 256", "a. TXT \"" + std::string(256, 'x') + "\"", false},
                      ZoneCase{"bad escape", "a. TXT \"\\999\"", false},
                      ZoneCase{"bad owner", "a..b. A 192.0.2.1", false},
                      ZoneCase{"NUL in owner", std::string("a\0. A 192.0.2.1", 15), false}));

TEST(ParseZoneText, ErrorsNameTheLine) {
  const auto got = parse_zone_text("a. A 192.0.2.1\nb. A nope\n");
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().detail.find("line 2"), std::string::npos) << got.error().detail;
}

}  // namespace
}  // namespace cachet::dns
