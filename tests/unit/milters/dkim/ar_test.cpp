// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/milters/dkim/ar_test.cpp: the Authentication-Results field as opendkim writes
// it and the authserv-id match (ar.hpp; the id is read by authres::claimed_authserv_id).
#include "milters/dkim/ar.hpp"

#include <gtest/gtest.h>

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

// The id itself is read by authres::claimed_authserv_id (tests/unit/common/authres).
TEST(AuthResults, ClaimsId) {
  EXPECT_TRUE(claims_id("mx.example.net/ABC", "mx.example.net"));
  EXPECT_FALSE(claims_id("mx.example.net.evil", "mx.example.net"));
  EXPECT_FALSE(claims_id("x", ""));
}

}  // namespace
