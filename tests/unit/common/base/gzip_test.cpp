// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/base/gzip_test.cpp: gzip round trip, the gzip magic, and gunzip's
// refusal of junk, truncation and oversize output.
#include "common/base/gzip.hpp"

#include <gtest/gtest.h>

namespace cachet {
namespace {

TEST(Gzip, RoundTripsAndStartsWithTheMagic) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "<record>" + std::to_string(i) + "</record>\n";
  const auto gz = gzip_compress(text);
  ASSERT_TRUE(gz.has_value());
  ASSERT_GE(gz->size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_LT(gz->size(), text.size() / 4);
  EXPECT_EQ(gunzip(*gz, text.size()).value_or(""), text);
  EXPECT_EQ(gunzip(*gzip_compress(""), 0).value_or("x"), "");
}

TEST(Gzip, GunzipRefusesJunkTruncationAndOversize) {
  const std::string text(10000, 'a');
  const std::string gz = *gzip_compress(text);
  EXPECT_FALSE(gunzip("not gzip", 100).has_value());
  EXPECT_FALSE(gunzip(gz.substr(0, gz.size() - 4), 100000).has_value());
  EXPECT_FALSE(gunzip(gz, text.size() - 1).has_value());
  EXPECT_FALSE(gunzip(gz + "x", 100000).has_value());
}

}  // namespace
}  // namespace cachet
