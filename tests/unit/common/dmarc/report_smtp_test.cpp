// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_smtp_test.cpp: the SMTP client's pure parts: the reply
// grammar (single, multi-line, split across reads, malformed, limits), DATA encoding
// (CRLF, dot-stuffing, final dot), AUTH PLAIN, and the password file rules.
#include "common/dmarc/report_smtp.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "common/base/base64.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::dmarc {
namespace {

TEST(SmtpReplyReader, SingleMultiLineAndSplitReads) {
  SmtpReplyReader r;
  r.feed("220 mx.example ESMTP\r\n250-mx.example\r\n250-STARTTLS\r");
  auto a = r.next();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->code, 220);
  EXPECT_EQ(a->text(), "mx.example ESMTP");
  EXPECT_FALSE(r.next().has_value());  // the 250 reply is not finished
  r.feed("\n250 AUTH PLAIN LOGIN\r\n354\n");
  auto b = r.next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->code, 250);
  EXPECT_EQ(b->lines, (std::vector<std::string>{"mx.example", "STARTTLS", "AUTH PLAIN LOGIN"}));
  auto c = r.next();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->code, 354);
  EXPECT_TRUE(r.error().empty());
}

struct BadReply {
  std::string_view name, input;
};
class SmtpReplyMalformed : public ::testing::TestWithParam<BadReply> {};

TEST_P(SmtpReplyMalformed, FailsForGood) {
  SmtpReplyReader r;
  r.feed(GetParam().input);
  EXPECT_FALSE(r.next().has_value()) << GetParam().name;
  EXPECT_FALSE(r.error().empty()) << GetParam().name;
  r.feed("250 ok\r\n");
  EXPECT_FALSE(r.next().has_value()) << GetParam().name;
}
INSTANTIATE_TEST_SUITE_P(Rfc5321, SmtpReplyMalformed,
                         ::testing::Values(BadReply{"no code", "hello\r\n"}, BadReply{"two digits", "25 x\r\n"},
                                           BadReply{"bad separator", "250x ok\r\n"},
                                           BadReply{"code changes", "250-a\r\n251 b\r\n"},
                                           BadReply{"empty line", "\r\n"}));

TEST(SmtpReplyReader, Limits) {
  SmtpReplyReader at_max;
  at_max.feed("250 " + std::string(kMaxReplyLineBytes - 4, 'x') + "\r\n");
  EXPECT_TRUE(at_max.next().has_value());
  SmtpReplyReader over;
  over.feed("250 " + std::string(kMaxReplyLineBytes, 'x'));
  EXPECT_FALSE(over.next().has_value());
  EXPECT_FALSE(over.error().empty());
  SmtpReplyReader many;
  std::string lines;
  for (std::size_t i = 0; i <= kMaxReplyLines; ++i) lines += "250-x\r\n";
  many.feed(lines);
  EXPECT_FALSE(many.next().has_value());
  EXPECT_EQ(many.error(), "too many reply lines");
}

TEST(SmtpData, CrlfDotStuffingAndTheFinalDot) {
  EXPECT_EQ(smtp_data("a\n.b\n..c\nd"), "a\r\n..b\r\n...c\r\nd\r\n.\r\n");
  EXPECT_EQ(smtp_data("x\r\n.\r\n"), "x\r\n..\r\n.\r\n");
  EXPECT_EQ(smtp_data(""), ".\r\n");
}

TEST(AuthPlain, Rfc4616) {
  EXPECT_EQ(base64_decode(auth_plain("alice", "pw")).value_or(""), std::string("\0alice\0pw", 9));
}

TEST(PasswordFile, FirstLinePrivateFilesOnly) {
  testlib::TempDir dir("smtp-pw");
  const std::string good = dir.write("pw", "s3cret\nignored\n");
  ::chmod(good.c_str(), 0640);
  EXPECT_EQ(read_password_file(good).value_or(""), "s3cret");
  ::chmod(good.c_str(), 0644);
  EXPECT_FALSE(read_password_file(good).has_value());
  const std::string empty = dir.write("empty", "\n");
  ::chmod(empty.c_str(), 0600);
  EXPECT_FALSE(read_password_file(empty).has_value());
  EXPECT_FALSE(read_password_file(dir.file("missing")).has_value());
}

}  // namespace
}  // namespace cachet::dmarc
