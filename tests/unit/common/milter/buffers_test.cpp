// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/milter/buffers_test.cpp: header list, capped body buffer, tee.
#include "common/milter/buffers.hpp"

#include <gtest/gtest.h>

namespace {

using namespace cachet::milter;

TEST(HeaderList, KeepsOrderAndRawValues) {
  HeaderList h;
  ASSERT_TRUE(h.add("From", " a@example.org"));
  ASSERT_TRUE(h.add("Received", " by x\r\n\tfolded"));
  ASSERT_TRUE(h.add("received", " by y"));
  ASSERT_EQ(h.fields().size(), 3u);
  EXPECT_EQ(h.fields()[1].value, " by x\r\n\tfolded");
  EXPECT_EQ(h.count("RECEIVED"), 2u);
  ASSERT_NE(h.find("Received", 2), nullptr);
  EXPECT_EQ(h.find("Received", 2)->value, " by y");
  EXPECT_EQ(h.find("Received", 3), nullptr);
  EXPECT_EQ(h.find("Subject"), nullptr);
  h.clear();
  EXPECT_TRUE(h.fields().empty());
}

TEST(HeaderList, FieldCountLimit) {
  HeaderList h;
  for (std::size_t i = 0; i < kMaxHeaderFields; ++i) ASSERT_TRUE(h.add("X", "v"));
  auto over = h.add("X", "v");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, cachet::Errc::bad_input);
  EXPECT_EQ(h.fields().size(), kMaxHeaderFields);
}

TEST(HeaderList, ByteLimit) {
  HeaderList h;
  ASSERT_TRUE(h.add("X", std::string(kMaxHeaderBytes - 1, 'a')));  // at the limit
  EXPECT_FALSE(h.add("Y", "b"));                                   // limit + 1
}

TEST(CappedBodyBuffer, KeepsPrefixAndCountsAll) {
  CappedBodyBuffer b(5);
  b.write("abc");
  b.write("");
  EXPECT_FALSE(b.truncated());
  b.write("defg");
  EXPECT_EQ(b.data(), "abcde");
  EXPECT_EQ(b.total_bytes(), 7u);
  EXPECT_TRUE(b.truncated());
  b.write(std::string("\0\xff", 2));
  EXPECT_EQ(b.total_bytes(), 9u);
}

TEST(TeeSink, FeedsEverySink) {
  CappedBodyBuffer a(100), b(2);
  TeeSink tee;
  tee.add(a);
  tee.add(b);
  tee.write("hello");
  EXPECT_EQ(a.data(), "hello");
  EXPECT_EQ(b.data(), "he");
}

}  // namespace
