// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/import/report_mail_test.cpp: finding reports in mails.
#include "common/dmarc/import/report_mail.hpp"

#include <gtest/gtest.h>

#include "common/base/base64.hpp"
#include "tests/unit/common/dmarc/import/pack.hpp"

namespace cachet::dmarc::import {
namespace {

const std::string kXml =
    "<feedback><report_metadata><org_name>Yahoo</org_name><email>dmarc@yahoo.com</email><report_id>77</report_id>"
    "<date_range><begin>1</begin><end>2</end></date_range></report_metadata><policy_published><domain>example.com"
    "</domain><p>reject</p></policy_published><record><row><source_ip>192.0.2.1</source_ip><count>4</count>"
    "<policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>"
    "<identifiers><header_from>example.com</header_from></identifiers><auth_results/></record></feedback>";

std::string mail_with(const std::string& type, const std::string& name, const std::string& bytes) {
  return "From: dmarc@yahoo.com\nSubject: Report Domain: example.com\nMessage-ID: <r1@yahoo.com>\n"
         "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\n"
         "Content-Type: " +
         type + "; name=\"" + name + "\"\nContent-Transfer-Encoding: base64\n\n" + base64_encode(bytes) + "\n--B--\n";
}

TEST(ScanReportMail, FindsGzipAndZipAttachments) {
  for (const auto& [type, name, bytes] :
       {std::tuple{std::string("application/gzip"), std::string("r.xml.gz"), testing::gzip(kXml)},
        std::tuple{std::string("application/zip"), std::string("r.zip"), testing::zip({{"r.xml", kXml}})},
        std::tuple{std::string("application/octet-stream"), std::string("r.xml"), kXml}}) {
    auto got = scan_report_mail("From sender Mon Jan 1 00:00:00 2024\n" + mail_with(type, name, bytes));
    ASSERT_TRUE(got.has_value()) << name << ": " << got.error().detail;
    ASSERT_EQ(got->reports.size(), 1u) << name;
    ASSERT_TRUE(got->reports[0].aggregate.has_value()) << name << ": " << got->reports[0].error;
    EXPECT_EQ(got->reports[0].aggregate->records.at(0).count, 4u);
    EXPECT_EQ(got->reports[0].source, name);
    EXPECT_EQ(got->message_id, "<r1@yahoo.com>");
  }
}

TEST(ScanReportMail, BrokenAttachmentIsRefusedOnItsOwn) {
  auto got = scan_report_mail(mail_with("application/gzip", "r.xml.gz", testing::gzip(kXml).substr(0, 30)));
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->reports.size(), 1u);
  EXPECT_FALSE(got->reports[0].aggregate.has_value());
  EXPECT_FALSE(got->reports[0].error.empty());
}

TEST(ScanReportMail, FailureReport) {
  const std::string raw =
      "From: r@example.net\nContent-Type: multipart/report; report-type=feedback-report; boundary=x\n\n--x\n\ntext\n"
      "--x\nContent-Type: message/feedback-report\n\nFeedback-Type: auth-failure\nReported-Domain: example.com\n"
      "Source-IP: 192.0.2.9\n\n--x\nContent-Type: text/rfc822-headers\n\nFrom: a@example.com\nSubject: s\n--x--\n";
  auto got = scan_report_mail(raw);
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  ASSERT_EQ(got->reports.size(), 1u);
  ASSERT_TRUE(got->reports[0].failure.has_value()) << got->reports[0].error;
  EXPECT_EQ(got->reports[0].failure->source_ip, "192.0.2.9");
  EXPECT_EQ(got->reports[0].failure->subject, "s");
}

TEST(ScanReportMail, PlainTextFailureNoticeWithoutArfPart) {
  const std::string raw =
      "From: r@mx.example.net\nSubject: DMARC Forensic Report for example.com\nMessage-ID: <n1@mx>\n"
      "Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: text/plain\n\nYour DMARC policy failed.\n"
      "  Sender Domain: example.com\n  Sender IP Address: 192.0.2.9\n  SPF Alignment: no\n  DKIM Alignment: no\n"
      "------ copy of the headers\n\nFrom: a@example.com\nSubject: s\n--x--\n";
  auto got = scan_report_mail(raw);
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  ASSERT_EQ(got->reports.size(), 1u);
  EXPECT_EQ(got->reports[0].source, "plain-text failure notice");
  ASSERT_TRUE(got->reports[0].failure.has_value());
  EXPECT_TRUE(got->reports[0].failure->is_plain_text);
  EXPECT_EQ(got->reports[0].failure->source_ip, "192.0.2.9");
  EXPECT_EQ(got->reports[0].failure->identity_alignment, "none");
  EXPECT_EQ(got->reports[0].failure->subject, "s");
}

TEST(ScanReportMail, PlainTextDmarcMailInNoKnownLayoutIsRefusedWithTheReason) {
  auto got = scan_report_mail("From: a@b.example\nSubject: DMARC report\n\nDMARC failure.\nSender Domain: b.example\n");
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().detail.find("no message/feedback-report part"), std::string::npos) << got.error().detail;
  EXPECT_NE(got.error().detail.find("Sender IP Address"), std::string::npos) << got.error().detail;
}

TEST(ScanReportMail, NoReportSaysWhatItHolds) {
  auto plain = scan_report_mail("From: a@b.example\nSubject: lunch?\n\nhi\n");
  ASSERT_FALSE(plain.has_value());
  EXPECT_NE(plain.error().detail.find("no DMARC report"), std::string::npos);
  auto tls = scan_report_mail("Subject: Report\nContent-Type: application/tlsrpt+gzip\n\nx");
  ASSERT_FALSE(tls.has_value());
  EXPECT_NE(tls.error().detail.find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace cachet::dmarc::import
