// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/import/mime_test.cpp: the MIME walker: multipart nesting,
// transfer encodings, parameters (quoted, RFC 2231), limits and malformed structure.
#include "common/dmarc/import/mime.hpp"

#include <gtest/gtest.h>

namespace cachet::dmarc::import {
namespace {

TEST(ParseContentType, TypeAndParameters) {
  const ContentType ct = parse_content_type("Multipart/Mixed; boundary=\"a b\\\"c\";\r\n\tcharset=utf-8");
  EXPECT_EQ(ct.type, "multipart/mixed");
  EXPECT_EQ(ct.params.at("boundary"), "a b\"c");
  EXPECT_EQ(ct.params.at("charset"), "utf-8");
  EXPECT_EQ(parse_content_type("").type, "text/plain");
  EXPECT_EQ(parse_content_type("; ;=;x").type, "text/plain");
}

TEST(ParseContentType, Rfc2231ValuesAndContinuations) {
  EXPECT_EQ(parse_content_type("attachment; filename*=UTF-8''r%C3%A9port.zip").params.at("filename"),
            "r\xC3\xA9port.zip");
  EXPECT_EQ(parse_content_type("attachment; filename*0=\"google.com!\"; filename*1=\"x.zip\"").params.at("filename"),
            "google.com!x.zip");
  EXPECT_EQ(parse_content_type("attachment; filename*0*=UTF-8''a%20; filename*1=b").params.at("filename"), "a b");
}

TEST(DecodeQuotedPrintable, SoftBreaksEscapesAndMalformed) {
  EXPECT_EQ(decode_quoted_printable("a=3Db=\r\nc"), "a=bc");
  EXPECT_EQ(decode_quoted_printable("x= \nY"), "xY");
  EXPECT_EQ(decode_quoted_printable("=ZZ=4"), "=ZZ=4");
  EXPECT_EQ(decode_quoted_printable("end="), "end");
  EXPECT_EQ(decode_quoted_printable(""), "");
}

TEST(WalkMime, SinglePartBase64) {
  auto parts = walk_mime(
      "Content-Type: application/gzip; name=r.xml.gz\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8=\r\n");
  ASSERT_TRUE(parts.has_value()) << parts.error().detail;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].body, "hello");
  EXPECT_EQ((*parts)[0].filename, "r.xml.gz");
}

TEST(WalkMime, NestedMultipartsInOrder) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=outer\n\npreamble\n--outer\nContent-Type: text/plain\n\nhi\n"
      "--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\n\nA\n--inner\n"
      "Content-Transfer-Encoding: quoted-printable\n\nB=3D\n--inner--\n--outer\n"
      "Content-Type: application/zip\nContent-Disposition: attachment; filename=\"g.zip\"\n"
      "Content-Transfer-Encoding: base64\n\nUEsDBA==\n--outer--\nepilogue\n";
  auto parts = walk_mime(raw);
  ASSERT_TRUE(parts.has_value()) << parts.error().detail;
  ASSERT_EQ(parts->size(), 4u);
  EXPECT_EQ((*parts)[0].body, "hi");
  EXPECT_EQ((*parts)[1].body, "A");
  EXPECT_EQ((*parts)[2].body, "B=");
  EXPECT_EQ((*parts)[3].body, std::string("PK\3\4", 4));
  EXPECT_EQ((*parts)[3].filename, "g.zip");
}

TEST(WalkMime, MissingCloseDelimiterTakesTheRest) {
  auto parts = walk_mime("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n");
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].body, "two\r\n");
}

TEST(WalkMime, MessageRfc822IsALeaf) {
  auto parts =
      walk_mime("Content-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nA\n--x--\n");
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].content_type.type, "message/rfc822");
}

TEST(WalkMime, Refusals) {
  EXPECT_FALSE(walk_mime("Content-Type: multipart/mixed\n\n--x\n\nA\n--x--\n").has_value()) << "no boundary";
  EXPECT_FALSE(walk_mime("Content-Transfer-Encoding: base64\n\n!!!!\n").has_value()) << "bad base64";
  EXPECT_FALSE(walk_mime(" continuation first\n\n").has_value()) << "bad header";
  std::string deep, tail;
  for (std::size_t i = 0; i <= kMaxMimeDepth + 1; ++i) {
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" + std::to_string(i) + "\n";
  }
  deep += "\nleaf\n";
  auto got = walk_mime(deep);
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().detail.find("nested"), std::string::npos);
}

TEST(WalkMime, PartLimitAtMaxAndMaxPlusOne) {
  for (std::size_t n : {kMaxMimeParts, kMaxMimeParts + 1}) {
    std::string raw = "Content-Type: multipart/mixed; boundary=b\n\n";
    for (std::size_t i = 0; i < n; ++i) raw += "--b\n\nx\n";
    raw += "--b--\n";
    EXPECT_EQ(walk_mime(raw).has_value(), n == kMaxMimeParts) << n;
  }
}

TEST(WalkMime, EightBitAndNulBytesPassThrough) {
  auto parts = walk_mime(std::string("Content-Type: application/octet-stream\n\n\xff\0\x80", 43));
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ((*parts)[0].body, std::string("\xff\0\x80", 3));
}

}  // namespace
}  // namespace cachet::dmarc::import
