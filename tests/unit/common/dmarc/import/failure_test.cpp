// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/import/failure_test.cpp: RFC 6591 failure reports.
#include "common/dmarc/import/failure.hpp"

#include <gtest/gtest.h>

#include <cctype>

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

TEST(ParseFailureReport, EightBitAndNulBytesBecomeReplacementCharacters) {
  auto got = parse_failure_report("Feedback-Type: auth-failure\nReported-Domain: example.com\n",
                                  std::string("From: a@example.com\nSubject: Caf\xe9 \xc3\xa9t\xc3\xa9\n\n", 41));
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->subject, "Caf\xEF\xBF\xBD \xc3\xa9t\xc3\xa9");  // valid UTF-8 is kept
  auto notice =
      parse_failure_notice(std::string("DMARC\nSender Domain: a.example\nSender IP Address: 192.0.2.1\n"
                                       "SPF Alignment: no\nReceived Date: x\0y\n",
                                       97));
  ASSERT_TRUE(notice.has_value()) << notice.error().detail;
  EXPECT_EQ(notice->arrival_date, "x\xEF\xBF\xBDy");
}

TEST(ParseFailureReport, Refusals) {
  EXPECT_FALSE(parse_failure_report("", "").has_value());
  EXPECT_FALSE(parse_failure_report("Feedback-Type: abuse\n", "From: a@b.example\n\n").has_value());
  EXPECT_FALSE(parse_failure_report("Feedback-Type: auth-failure\n", "").has_value()) << "no domain";
  EXPECT_FALSE(parse_failure_report(" bad\n", "").has_value());
}

// A plain-text failure notice in the layout failure.hpp describes (written for this test).
std::string notice(std::string_view fields, std::string_view intro =
                                                "This message failed the DMARC policy of your "
                                                "domain.") {
  return std::string(intro) + "\n\n" + std::string(fields) +
         "\n------ This is a copy of the headers that were received before the error was detected.\n\n"
         "Received: from x.example.net by mx.example.org; Tue, 1 Apr 2025 10:00:00 +0000\n"
         "From: Someone <someone@example.com>\nSubject: Invoice\nMessage-ID: <42@example.net>\n";
}

constexpr std::string_view kFields =
    "  Sender Domain: Example.COM\n  Sender IP Address: 192.0.2.68\n  Received Date: Tue, 1 Apr 2025 10:00:00 +0000\n"
    "  SPF Alignment: no\n  DKIM Alignment: yes\n  DMARC Results: None, Reject\n";

TEST(ParseFailureNotice, TheEximLayout) {
  auto got = parse_failure_notice(notice(kFields));
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_TRUE(got->is_plain_text);
  EXPECT_EQ(got->feedback_type, "auth-failure");
  EXPECT_EQ(got->auth_failure, "dmarc");
  EXPECT_EQ(got->reported_domain, "example.com");
  EXPECT_EQ(got->source_ip, "192.0.2.68");
  EXPECT_EQ(got->arrival_date, "Tue, 1 Apr 2025 10:00:00 +0000");
  EXPECT_EQ(got->delivery_result, "reject");
  EXPECT_EQ(got->identity_alignment, "dkim");
  EXPECT_EQ(got->header_from, "Someone <someone@example.com>");
  EXPECT_EQ(got->subject, "Invoice");
  EXPECT_EQ(got->message_id, "<42@example.net>");
}

struct NoticeCase {
  const char* name;
  std::string text;
  bool want_ok;
  const char* want;  // in the error text, or the reported domain
};

class ParseFailureNoticeRows : public ::testing::TestWithParam<NoticeCase> {};

TEST_P(ParseFailureNoticeRows, RecognisesOnlyTheLayout) {
  const NoticeCase& c = GetParam();
  auto got = parse_failure_notice(c.text);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? got->reported_domain : got.error().detail);
  if (got)
    EXPECT_EQ(got->reported_domain, c.want) << c.name;
  else
    EXPECT_NE(got.error().detail.find(c.want), std::string::npos) << c.name << ": " << got.error().detail;
}

std::string with(std::string_view from, std::string_view to) {
  std::string s = notice(kFields);
  return s.replace(s.find(from), from.size(), to);
}

std::string crlf(std::string_view lf) {
  std::string out;
  for (const char c : lf) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Layout, ParseFailureNoticeRows,
    ::testing::Values(
        NoticeCase{"empty", "", false, "does not mention DMARC"},
        NoticeCase{"minimal", "DMARC\nSender Domain: a.example\nSender IP Address: ::1\nDMARC Results: fail\n", true,
                   "a.example"},
        NoticeCase{"crlf line ends", crlf(notice(kFields)), true, "example.com"},
        NoticeCase{"no headers copy",
                   "DMARC failure\n Sender Domain: a.example\n Sender IP Address: 2001:db8::1\n"
                   " SPF Alignment: no\n",
                   true, "a.example"},
        NoticeCase{"prose about dmarc", "Please fix your DMARC record, it fails for example.com.\n", false,
                   "no 'Sender Domain:'"},
        NoticeCase{"no dmarc",
                   notice("  Sender Domain: a.example\n  Sender IP Address: 192.0.2.1\n  SPF Alignment: no\n",
                          "A message failed."),
                   false, "does not mention DMARC"},
        NoticeCase{"dmarc only in the copied headers",
                   "Hi.\n\n  Sender Domain: a.example\n  Sender IP Address: 192.0.2.1\n  SPF Alignment: no\n"
                   "------\nSubject: DMARC\n",
                   false, "does not mention DMARC"},
        NoticeCase{"no ip", with("  Sender IP Address: 192.0.2.68\n", ""), false, "no 'Sender Domain:'"},
        NoticeCase{"bad ip", with("192.0.2.68", "192.0.2.300"), false, "not an IP address"},
        NoticeCase{"bad domain", with("Example.COM", "exa mple.com"), false, "not a domain name"},
        NoticeCase{"single label", with("Example.COM", "localhost"), false, "not a domain name"},
        NoticeCase{"8-bit domain", with("Example.COM", "ex\xff.com"), false, "not a domain name"},
        NoticeCase{"NUL in the domain", with("Example.COM", std::string("ex\0a.com", 8)), false, "not a domain name"},
        NoticeCase{"label twice", with("  SPF Alignment", "  Sender Domain: b.example\n  SPF Alignment"), false,
                   "given twice"},
        NoticeCase{"no alignment nor result",
                   "DMARC\nSender Domain: a.example\nSender IP Address: 192.0.2.1\nReceived Date: today\n", false,
                   "no alignment"}),
    [](const ::testing::TestParamInfo<NoticeCase>& i) {
      std::string n = i.param.name;
      for (char& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return n;
    });

}  // namespace
}  // namespace cachet::dmarc::import
