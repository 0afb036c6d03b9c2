// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/milters/dkim/ar_test.cpp: the Authentication-Results field as opendkim writes
// it and the authserv-id match (ar.hpp; the id is read by authres::claimed_authserv_id).
#include "milters/dkim/ar.hpp"

#include <gtest/gtest.h>

#include "common/authres/authres.hpp"

namespace {

using namespace cachet::dkimd;

TEST(AuthResults, OpendkimFormat) {
  using cachet::dkim::SignatureResult;
  using cachet::dkim::VerifyResult;
  SignatureResult r{VerifyResult::pass, "",         "example.com", "@example.com", "sel1",
                    "rsa-sha256",       "sn8WayZw", 2048,          false};
  EXPECT_EQ(format_auth_results("mx.example.net", {r}, true),
            "mx.example.net;\n\tdkim=pass (2048-bit key) header.d=example.com header.i=@example.com "
            "header.a=rsa-sha256 header.s=sel1 header.b=sn8WayZw");
  r.result = VerifyResult::fail;
  r.reason = "signature verification failed";
  EXPECT_EQ(format_auth_results("mx", {r, r}, false),
            "mx;\n\tdkim=fail reason=\"signature verification failed\" (2048-bit key) header.d=example.com "
            "header.i=@example.com header.a=rsa-sha256 header.s=sel1;\n\tdkim=fail reason=\"signature "
            "verification failed\" (2048-bit key) header.d=example.com header.i=@example.com "
            "header.a=rsa-sha256 header.s=sel1");
  EXPECT_EQ(format_auth_results("mx", {}, true), "mx; dkim=none");
  r.identity = "a;b@example.com";
  EXPECT_NE(format_auth_results("mx", {r}, true).find("header.i=\"a;b@example.com\""), std::string::npos);
}

// A signature's tags may hold anything: a value that is not a token is quoted, so the field
// parses back under RFC 8601 (found by fuzz_dkim_session: a=ed2=519-sha256 went out bare).
TEST(AuthResults, ValuesThatAreNotTokensAreQuoted) {
  using cachet::dkim::SignatureResult;
  using cachet::dkim::VerifyResult;
  SignatureResult r{
      VerifyResult::permerror, "", "example.com", "@example.com", "sel", "ed2=519-sha256", "AAAA", 0, false};
  const std::string field = format_auth_results("mx.example.net", {r}, true);
  EXPECT_NE(field.find("header.a=\"ed2=519-sha256\""), std::string::npos) << field;
  const auto back = cachet::authres::parse_authentication_results(field);
  ASSERT_TRUE(back) << field;
  ASSERT_EQ(back->results.size(), 1u);
  EXPECT_EQ(back->results[0].properties.at(2).value, "ed2=519-sha256");
}

// The id itself is read by authres::claimed_authserv_id (tests/unit/common/authres).
TEST(AuthResults, ClaimsId) {
  EXPECT_TRUE(claims_id("mx.example.net/ABC", "mx.example.net"));
  EXPECT_FALSE(claims_id("mx.example.net.evil", "mx.example.net"));
  EXPECT_FALSE(claims_id("x", ""));
}

}  // namespace
