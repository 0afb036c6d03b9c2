// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_xml_test.cpp: element text: valid UTF-8 kept, control
// bytes and invalid UTF-8 replaced (the reports themselves: report_aggregate_test.cpp).
#include "common/dmarc/report_xml.hpp"

#include <gtest/gtest.h>

namespace cachet::dmarc {
namespace {

TEST(XmlText, KeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(xml_text("b\xc3\xbc"
                     "cher.example"),
            "b\xc3\xbc"
            "cher.example");
  EXPECT_EQ(xml_text("\xc0\xaf"), "??");            // overlong '/'
  EXPECT_EQ(xml_text("\xed\xa0\x80"), "???");       // UTF-16 surrogate
  EXPECT_EQ(xml_text("\xf4\x90\x80\x80"), "????");  // beyond U+10FFFF
  EXPECT_EQ(xml_text("\xe2\x82"), "??");            // truncated
  EXPECT_EQ(xml_text(std::string("a\0b", 3)), "a?b");
  EXPECT_EQ(xml_text(""), "");
}

}  // namespace
}  // namespace cachet::dmarc
