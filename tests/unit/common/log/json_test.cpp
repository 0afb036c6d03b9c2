// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/log/json_test.cpp: LogFormat json: every line one JSON object with
// "event" and "level" first, strings escaped so that no peer-supplied byte breaks the line.
#include "common/log/json.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "common/log/fields.hpp"

namespace cachet::log {
namespace {

struct EscapeCase {
  std::string_view name;
  std::string input;
  std::string want;
};

class JsonString : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(JsonString, EscapesAndStaysParsable) {
  const EscapeCase& c = GetParam();
  std::string got;
  append_json_string(got, c.input);
  EXPECT_EQ(got, c.want) << c.name;
  EXPECT_TRUE(nlohmann::json::accept(got)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Rfc8259, JsonString,
                         ::testing::Values(EscapeCase{"empty", "", "\"\""}, EscapeCase{"plain", "abc", "\"abc\""},
                                           EscapeCase{"quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\""},
                                           EscapeCase{"newline forging a line", "x\ny", "\"x\\ny\""},
                                           EscapeCase{"NUL", std::string("a\0b", 3), "\"a\\u0000b\""},
                                           EscapeCase{"DEL", "\x7f", "\"\\u007f\""},
                                           EscapeCase{"UTF-8 kept", "caf\xc3\xa9", "\"caf\xc3\xa9\""},
                                           EscapeCase{"invalid UTF-8 byte", "a\xff", "\"a\\u00ff\""},
                                           EscapeCase{"truncated sequence", "\xe2\x82", "\"\\u00e2\\u0082\""},
                                           EscapeCase{"surrogate encoded", "\xed\xa0\x80",
                                                      "\"\\u00ed\\u00a0\\u0080\""}));

TEST(JsonEvent, WritesOneObjectWithEventAndLevelFirst) {
  CaptureLogger log;
  log.set_format(Format::json);
  Event(log, Level::info, "dkim.decision")
      .kv("qid", "4XyZ12")
      .kv("n", 3)
      .kv("t", 0.5)
      .fields(Fields{{"why", "client 1.2.3.4 is \"odd\""}});
  ASSERT_EQ(log.lines().size(), 1u);
  EXPECT_EQ(log.lines()[0],
            "info: {\"event\":\"dkim.decision\",\"level\":\"info\",\"qid\":\"4XyZ12\",\"n\":3,"
            "\"t\":0.500,\"why\":\"client 1.2.3.4 is \\\"odd\\\"\"}");
  const auto doc = nlohmann::json::parse(log.lines()[0].substr(6));
  EXPECT_EQ(doc["event"], "dkim.decision");
  EXPECT_EQ(doc["n"], 3);
}

TEST(JsonEvent, TextFormatIsUnchanged) {
  CaptureLogger log;
  Event(log, Level::warning, "x.y").fields(Fields{{"a", "b c"}});
  EXPECT_EQ(log.lines().at(0), "warning: x.y a=\"b c\"");
  EXPECT_EQ(render_text("x.y", Fields{{"a", "b c"}}), "x.y a=\"b c\"");
}

TEST(JsonFormat, ParsesTheOptionValues) {
  EXPECT_EQ(parse_format("json"), Format::json);
  EXPECT_EQ(parse_format("TEXT"), Format::text);
  EXPECT_EQ(parse_format("yaml"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
}

}  // namespace
}  // namespace cachet::log
