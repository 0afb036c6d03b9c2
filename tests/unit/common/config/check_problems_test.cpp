// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/config/check_problems_test.cpp: what check mode builds on: the
// "did you mean" of unknown names, the partial snapshot (every problem in one pass),
// problems located at the option's line with their fix.
#include <gtest/gtest.h>

#include "common/config/config.hpp"
#include "common/config/suggest.hpp"
#include "tests/unit/common/config/example_options.hpp"

namespace cachet::config {
namespace {

using testing::kExampleOptions;

struct NearCase {
  std::string_view name, typed, want;  // want "" = no suggestion
};

class NearestOption : public ::testing::TestWithParam<NearCase> {};

TEST_P(NearestOption, SuggestsOnlyTypos) {
  const NearCase& c = GetParam();
  const auto got = nearest_option(kExampleOptions, c.typed);
  EXPECT_EQ(got.value_or(""), c.want) << c.name << " typed='" << c.typed << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Typos, NearestOption,
    ::testing::Values(NearCase{"transposition", "Sokcet", "Socket"}, NearCase{"case only", "socket", "Socket"},
                      NearCase{"missing letter", "PidFle", "PidFile"},
                      NearCase{"two edits", "DNSTimout_", "DNSTimeout"}, NearCase{"three edits", "DNSTmt", ""},
                      NearCase{"short name, one edit", "UMsk", "UMask"}, NearCase{"nothing near", "Bogus", ""},
                      NearCase{"empty", "", ""}, NearCase{"obsolete names are not offered", "ForensicReport", ""}));

TEST(EditDistance, CountsEachKindOfEdit) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", "ABC"), 0u);
  EXPECT_EQ(edit_distance("abc", "acb"), 1u);
  EXPECT_EQ(edit_distance("abc", "abxc"), 1u);
  EXPECT_EQ(edit_distance("abc", "ab"), 1u);
  EXPECT_EQ(edit_distance("abc", "xyz"), 3u);
  EXPECT_GT(edit_distance(std::string(300, 'a'), "a"), kMaxSuggestEdits);
}

TEST(ConfigPartial, BadLinesLeaveTheRestUsable) {
  const auto out = parse_config("DNSTimeout 90\nUserID mail\nSokcet x\n", "t.conf", kExampleOptions);
  EXPECT_FALSE(out.ok());
  ASSERT_NE(out.partial, nullptr);
  EXPECT_EQ(out.partial->string("UserID"), "mail");
  EXPECT_EQ(out.partial->seconds("DNSTimeout").count(), 5);  // the bad value is not used
  EXPECT_EQ(out.partial->source(), "t.conf");
}

TEST(ConfigPartial, CleanParseSharesTheSnapshot) {
  const auto out = parse_config("UserID mail\n", "t.conf", kExampleOptions);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.partial, out.config);
}

TEST(ProblemText, FixFollowsTheMessage) {
  const Problem p{"dkim.conf",       3, "KeyFile", "cannot open /k: No such file or directory", Severity::error,
                  "correct the path"};
  EXPECT_EQ(p.to_string(), "dkim.conf:3: KeyFile: cannot open /k: No such file or directory; fix: correct the path");
}

TEST(ProblemAt, UsesTheOptionsLineElseTheFile) {
  const auto out = parse_config("\nUserID mail\n", "t.conf", kExampleOptions);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(problem_at(*out.config, "UserID", "no such user").to_string(), "t.conf:2: UserID: no such user");
  EXPECT_EQ(problem_at(*out.config, "PidFile", "needed").to_string(), "t.conf: PidFile: needed");
}

TEST(ProblemFrom, SplitsOptionPrefixAndFix) {
  const auto out = parse_config("PidFile /run/x.pid\n", "t.conf", kExampleOptions);
  ASSERT_TRUE(out.ok());
  const Error e{Errc::config, "PidFile: /run/x.pid: not writable; fix: chown it"};
  EXPECT_EQ(problem_from(*out.config, "PidFile", e).to_string(),
            "t.conf:1: PidFile: /run/x.pid: not writable; fix: chown it");
  EXPECT_EQ(problem_from(*out.config, e).to_string(), "t.conf:1: PidFile: /run/x.pid: not writable; fix: chown it");
  EXPECT_EQ(problem_from(*out.config, Error{Errc::config, "Nothing: at all"}).to_string(), "t.conf: Nothing: at all");
  EXPECT_EQ(problem_in_file("/etc/KeyTable", 4, "KeyTable", Error{Errc::config, "k: bad; fix: f"}).to_string(),
            "/etc/KeyTable:4: KeyTable: k: bad; fix: f");
}

}  // namespace
}  // namespace cachet::config
