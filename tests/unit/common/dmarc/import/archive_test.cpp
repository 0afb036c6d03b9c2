// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/import/archive_test.cpp: report unpacking: plain, gzip, zip, and
// every refusal (truncated, bomb at the limit and past it, several files, paths).
#include "common/dmarc/import/archive.hpp"

#include <gtest/gtest.h>

#include "tests/unit/common/dmarc/import/pack.hpp"

namespace cachet::dmarc::import {
namespace {

using testing::gzip;
using testing::zip;

const std::string kXml = "<feedback><report_metadata/></feedback>";

TEST(DetectPacking, ByMagicBytes) {
  EXPECT_EQ(detect_packing(gzip(kXml)), Packing::gzip);
  EXPECT_EQ(detect_packing(zip({{"a.xml", kXml}})), Packing::zip);
  EXPECT_EQ(detect_packing(kXml), Packing::plain);
  EXPECT_EQ(detect_packing(""), Packing::plain);
  EXPECT_EQ(detect_packing("\x1f"), Packing::plain);
}

TEST(UnpackReport, PlainGzipAndZipGiveTheSameXml) {
  for (const std::string& in : {kXml, gzip(kXml), zip({{"google.com!example.com!1!2.xml", kXml}})}) {
    auto got = unpack_report(in);
    ASSERT_TRUE(got.has_value()) << got.error().detail;
    EXPECT_EQ(*got, kXml);
  }
}

TEST(UnpackReport, RefusesTruncatedGzip) {
  const std::string z = gzip(std::string(100000, 'x') + kXml);
  for (std::size_t cut : {z.size() - 4, z.size() / 2, std::size_t{12}}) {
    auto got = unpack_report(z.substr(0, cut));
    EXPECT_FALSE(got.has_value()) << "cut at " << cut;
  }
}

TEST(UnpackReport, SizeLimitAtMaxAndMaxPlusOne) {
  const std::size_t limit = 1024 * 1024;
  for (bool is_zip : {false, true}) {
    const std::string at(limit, ' '), over(limit + 1, ' ');
    auto ok = unpack_report(is_zip ? zip({{"r.xml", at}}) : gzip(at), limit);
    EXPECT_TRUE(ok.has_value()) << (is_zip ? "zip" : "gzip");
    auto bomb = unpack_report(is_zip ? zip({{"r.xml", over}}) : gzip(over), limit);
    ASSERT_FALSE(bomb.has_value()) << (is_zip ? "zip" : "gzip");
    EXPECT_NE(bomb.error().detail.find("decompression bomb"), std::string::npos) << bomb.error().detail;
  }
  EXPECT_FALSE(unpack_report(std::string(limit + 1, ' '), limit).has_value()) << "plain";
}

TEST(UnpackReport, DefaultLimitStopsA60MiBZipBomb) {
  const std::string bomb = zip({{"r.xml", std::string(60u * 1024 * 1024, '\0')}});
  EXPECT_LT(bomb.size(), 200u * 1024);
  auto got = unpack_report(bomb);
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().detail.find("50 MiB"), std::string::npos) << got.error().detail;
}

TEST(UnpackReport, RefusesZipWithSeveralFiles) {
  auto got = unpack_report(zip({{"a.xml", kXml}, {"b.xml", kXml}}));
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().detail.find("several files"), std::string::npos) << got.error().detail;
}

TEST(UnpackReport, RefusesPathNames) {
  for (const char* name : {"../../etc/passwd", "/abs.xml", "dir/report.xml", "..\\x.xml", ".."}) {
    auto got = unpack_report(zip({{name, kXml}}));
    ASSERT_FALSE(got.has_value()) << name;
    EXPECT_NE(got.error().detail.find("refused entry name"), std::string::npos) << got.error().detail;
  }
}

TEST(UnpackReport, RefusesEmptyAndGarbageArchives) {
  EXPECT_FALSE(unpack_report(zip({})).has_value());
  EXPECT_FALSE(unpack_report(zip({{"a.xml", ""}})).has_value());
  EXPECT_FALSE(unpack_report(std::string("PK\3\4garbage")).has_value());
  EXPECT_FALSE(unpack_report(std::string("\x1f\x8bgarbage")).has_value());
}

}  // namespace
}  // namespace cachet::dmarc::import
