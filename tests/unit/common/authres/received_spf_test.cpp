// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/authres/received_spf_test.cpp: Received-SPF (RFC 7208 s9.1) parser.
#include "common/authres/received_spf.hpp"

#include <gtest/gtest.h>

namespace cachet::authres {
namespace {

struct SpfCase {
  std::string_view name;
  std::string_view input;
  bool want_ok;
};

class ParseReceivedSpf : public ::testing::TestWithParam<SpfCase> {};

TEST_P(ParseReceivedSpf, AcceptsRfc7208Fields) {
  const SpfCase& c = GetParam();
  const auto got = parse_received_spf(c.input);
  EXPECT_EQ(got.has_value(), c.want_ok) << c.name << " input='" << c.input << "'"
                                        << (got ? "" : " error=" + got.error().detail);
}

const std::string kAtLimit = [] {
  std::string s = "pass";
  for (std::size_t i = 0; i < kMaxReceivedSpfPairs; ++i) s += (i ? "; k" : " k") + std::to_string(i) + "=v";
  return s;
}();
const std::string kOverLimit = kAtLimit + "; extra=1";
const std::string kHuge = "pass (" + std::string(kMaxReceivedSpfBytes, 'a') + ")";

INSTANTIATE_TEST_SUITE_P(
    Rows, ParseReceivedSpf,
    ::testing::Values(SpfCase{"empty", "", false}, SpfCase{"minimal", "none", true},
                      SpfCase{"rfc7208 example",
                              "pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted "
                              "sender) receiver=mybox.example.org; client-ip=192.0.2.1; "
                              "envelope-from=\"myname@example.com\"; helo=foo.example.com;",
                              true},
                      SpfCase{"policyd-spf",
                              "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; helo=mail.example.com; "
                              "envelope-from=user@example.com; receiver=<UNKNOWN>",
                              true},
                      SpfCase{"ipv6 client", "softfail client-ip=2001:db8::1; identity=mailfrom", true},
                      SpfCase{"folded", "fail\r\n (denied)\r\n identity=helo;\r\n helo=x.example", true},
                      SpfCase{"unknown result", "hardpass identity=mailfrom", false},
                      SpfCase{"result glued", "pass;identity=mailfrom", false},
                      SpfCase{"missing =", "pass identity", false},
                      SpfCase{"duplicate key", "pass identity=mailfrom; identity=helo", false},
                      SpfCase{"unterminated comment", "pass (x identity=mailfrom", false},
                      SpfCase{"NUL", std::string_view("pass identity=mail\0from", 23), false},
                      SpfCase{"8-bit value", "pass envelope-from=\xc3\xa4@example.com", false},
                      SpfCase{"at pair limit", kAtLimit, true}, SpfCase{"over pair limit", kOverLimit, false},
                      SpfCase{"huge", kHuge, false}));

TEST(ParseReceivedSpf, ReadsKeys) {  // what the milter needs for CVE-2019-20790
  const auto r = parse_received_spf(
      "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; helo=h.example; "
      "envelope-from=\"user@example.com\"; receiver=<UNKNOWN>");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->result, SpfResult::pass);
  EXPECT_EQ(r->comment, "mailfrom");
  ASSERT_NE(r->find("Identity"), nullptr);
  EXPECT_EQ(*r->find("identity"), "mailfrom");
  EXPECT_EQ(*r->find("envelope-from"), "user@example.com");
  EXPECT_EQ(*r->find("client-ip"), "192.0.2.1");
  EXPECT_EQ(*r->find("receiver"), "<UNKNOWN>");
  EXPECT_EQ(r->find("problem"), nullptr);
  EXPECT_STREQ(to_string(SpfResult::temperror), "temperror");
}

}  // namespace
}  // namespace cachet::authres
