// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_mail_test.cpp: the report message: subject, file name,
// date, headers that hostile values cannot extend, and the attachment round trip.
#include "common/dmarc/report_mail.hpp"

#include <gtest/gtest.h>

#include "common/base/base64.hpp"
#include "common/base/gzip.hpp"

namespace cachet::dmarc {
namespace {

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(ReportMail, SubjectAndFileNameAsTheRfcSays) {
  EXPECT_EQ(report_subject("example.com", "mx.receiver.example", "86400.172799.example.com"),
            "Report Domain: example.com Submitter: mx.receiver.example Report-ID: <86400.172799.example.com>");
  EXPECT_EQ(report_file_name("receiver.example", "example.com", {86400, 172800}, "id1"),
            "receiver.example!example.com!86400!172799!id1.xml.gz");
}

TEST(ReportMail, DateIsRfc5322InUtc) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1772510706), "Tue, 03 Mar 2026 04:05:06 +0000");
}

ReportMail mail() {
  ReportMail m;
  m.from = "dmarc-noreply@receiver.example";
  m.from_name = "Receiver \"Mail\"";
  m.to = "rua@example.com";
  m.receiver = "receiver.example";
  m.policy_domain = "example.com";
  m.period = {86400, 172800};
  m.report_id = report_id(m.period, m.policy_domain);
  m.date = 172900;
  m.unique = "0123abcd";
  return m;
}

TEST(ReportMail, HeadersAndAttachment) {
  const std::string xml = "<feedback/>\n";
  const std::string msg = build_report_mail(mail(), *gzip_compress(xml));
  EXPECT_EQ(msg.rfind("From: \"Receiver \\\"Mail\\\"\" <dmarc-noreply@receiver.example>\nTo: <rua@example.com>\n", 0),
            0u)
      << msg;
  EXPECT_TRUE(has(msg, "\nDate: Sat, 03 Jan 1970 00:01:40 +0000\n")) << msg;
  EXPECT_TRUE(has(msg, "\nMessage-ID: <86400.172799.example.com.0123abcd@receiver.example>\n")) << msg;
  EXPECT_TRUE(has(msg,
                  "\nSubject: Report Domain: example.com Submitter: receiver.example Report-ID: "
                  "<86400.172799.example.com>\n"))
      << msg;
  EXPECT_TRUE(has(msg, "filename=\"receiver.example!example.com!86400!172799!86400.172799.example.com.xml.gz\""))
      << msg;
  EXPECT_TRUE(has(msg, "Content-Type: text/plain")) << msg;
  // The attachment decodes back to the report.
  const auto start = msg.find("\n\n", msg.find("Content-Disposition: attachment")) + 2;
  const auto end = msg.find("\n--", start);
  const auto gz = base64_decode(strip_whitespace(msg.substr(start, end - start)));
  ASSERT_TRUE(gz.has_value());
  EXPECT_EQ(gunzip(*gz, 1000).value_or(""), xml);
  for (std::size_t pos = 0, next; (next = msg.find('\n', pos)) != std::string::npos; pos = next + 1)
    EXPECT_LE(next - pos, 998u);
}

TEST(ReportMail, HostileValuesCannotAddHeaderFields) {
  ReportMail m = mail();
  m.policy_domain = "example.com\nBcc: victim@evil.example";
  m.to = "a@b\r\nX-Injected: 1";
  const std::string msg = build_report_mail(m, "gz");
  EXPECT_FALSE(has(msg, "\nBcc:")) << msg;
  EXPECT_FALSE(has(msg, "\nX-Injected:")) << msg;
  EXPECT_EQ(header_safe("a\tb\xc3\xa4"), "a?b??");
}

}  // namespace
}  // namespace cachet::dmarc
