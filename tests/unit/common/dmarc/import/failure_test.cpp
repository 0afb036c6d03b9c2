// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/import/failure_test.cpp: RFC 6591 failure reports.
#include "common/dmarc/import/failure.hpp"

#include <gtest/gtest.h>

namespace cachet::dmarc::import {
namespace {

const char* const kFeedback =
    "Feedback-Type: auth-failure\r\nUser-Agent: Lua/1.0\r\nVersion: 1\r\nOriginal-Mail-From: <a@example.com>\r\n"
    "Arrival-Date: Tue, 30 Apr 2019 02:09:00 +0000\r\nSource-IP: 192.0.2.7\r\nAuthentication-Results: mx;\r\n"
    " dmarc=fail header.from=example.com\r\nAuth-Failure: dmarc\r\nReported-Domain: Example.COM\r\n";

TEST(ParseFailureReport, ArfFieldsAndOriginalHeaders) {
  auto got =
      parse_failure_report(kFeedback, "From: Sender <s@example.com>\r\nSubject: Hi\r\nMessage-ID: <1@x>\r\n\r\nbody");
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->reported_domain, "example.com");
  EXPECT_EQ(got->source_ip, "192.0.2.7");
  EXPECT_EQ(got->auth_failure, "dmarc");
  EXPECT_EQ(got->authentication_results, "mx; dmarc=fail header.from=example.com");
  EXPECT_EQ(got->subject, "Hi");
  EXPECT_EQ(got->message_id, "<1@x>");
}

TEST(ParseFailureReport, DomainFromTheOriginalFromWhenNotReported) {
  auto got = parse_failure_report("Feedback-Type: auth-failure\n", "From: <x@Mail.Example.org>\n\n");
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->reported_domain, "mail.example.org");
}

TEST(ParseFailureReport, Refusals) {
  EXPECT_FALSE(parse_failure_report("", "").has_value());
  EXPECT_FALSE(parse_failure_report("Feedback-Type: abuse\n", "From: a@b.example\n\n").has_value());
  EXPECT_FALSE(parse_failure_report("Feedback-Type: auth-failure\n", "").has_value()) << "no domain";
  EXPECT_FALSE(parse_failure_report(" bad\n", "").has_value());
}

}  // namespace
}  // namespace cachet::dmarc::import
