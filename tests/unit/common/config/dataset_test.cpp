// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/config/dataset_test.cpp: opendkim data set specs, flat files, refile
// patterns, inline lists.
#include "common/config/dataset.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace cachet::config {
namespace {

struct SpecCase {
  std::string_view name, input;
  bool want_ok;
  DatasetSpec::Type want_type;
};
class DatasetSpecs : public ::testing::TestWithParam<SpecCase> {};

TEST_P(DatasetSpecs, ParsesOpendkimForms) {
  const SpecCase& c = GetParam();
  const auto got = parse_dataset_spec(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << " input='" << c.input << "'";
  if (got) {
    EXPECT_EQ(got->type, c.want_type) << c.name;
  }
}

using T = DatasetSpec::Type;
INSTANTIATE_TEST_SUITE_P(Rows, DatasetSpecs,
                         ::testing::Values(SpecCase{"empty", "", false, T::inline_list},
                                           SpecCase{"blank", "  ", false, T::inline_list},
                                           SpecCase{"csl", "csl:127.0.0.1,::1", true, T::inline_list},
                                           SpecCase{"csl uppercase", "CSL:a", true, T::inline_list},
                                           SpecCase{"plain list", "example.com,example.net", true, T::inline_list},
                                           SpecCase{"single word", "example.com", true, T::inline_list},
                                           SpecCase{"file", "file:/etc/opendkim/KeyTable", true, T::file},
                                           SpecCase{"refile", "refile:/etc/opendkim/SigningTable", true, T::refile},
                                           SpecCase{"bare path", "/etc/opendkim/TrustedHosts", true, T::file},
                                           SpecCase{"bare .db path", "/etc/opendkim/keys.db", false, T::file},
                                           SpecCase{"file without path", "file:", false, T::file},
                                           SpecCase{"refile without path", "refile:", false, T::refile},
                                           SpecCase{"db", "db:/etc/x.db", false, T::file},
                                           SpecCase{"ldap", "ldap://ldap.example/dc=x", false, T::file},
                                           SpecCase{"dsn", "dsn:mysql://u@3306+h/db/table=t", false, T::file},
                                           SpecCase{"lua", "lua:/etc/x.lua", false, T::file}));

TEST(DatasetSpec, InlineItemsAreTrimmedAndEmptyOnesDropped) {
  const auto got = parse_dataset_spec("csl: a , ,b,");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->items, (std::vector<std::string>{"a", "b"}));
}

TEST(DatasetText, ParsesKeyValueLinesWithComments) {
  const auto got = parse_dataset_text(
      "# KeyTable\n"
      "sel._domainkey.example.com  example.com:sel:/etc/keys/sel.private # trailing\n"
      "\n"
      "   127.0.0.1\n"
      "bare\tvalue with spaces \r\n",
      "KeyTable", false);
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->entries().size(), 3u);
  EXPECT_EQ(got->entries()[0].line, 2u);
  EXPECT_EQ(got->lookup("SEL._domainkey.example.com"),
            (std::vector<std::string>{"example.com", "sel", "/etc/keys/sel.private"}));
  EXPECT_TRUE(got->contains("127.0.0.1"));
  EXPECT_EQ(got->lookup("127.0.0.1"), std::vector<std::string>{});
  EXPECT_EQ(got->find("bare")->value, "value with spaces");
  EXPECT_FALSE(got->lookup("absent").has_value());
  EXPECT_EQ(got->origin(), "file:KeyTable");
}

TEST(DatasetText, EmptyTextIsAnEmptySet) {
  const auto got = parse_dataset_text("", "x", false);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->empty());
}

TEST(DatasetText, ErrorsNameFileAndLine) {
  auto got = parse_dataset_text(std::string_view("a\nb\0c\n", 6), "tbl", false);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().detail, "tbl:2: NUL byte");
  std::string at_limit(kMaxDatasetLineBytes, 'k');
  EXPECT_TRUE(parse_dataset_text(at_limit, "tbl", false));
  got = parse_dataset_text("ok\n" + at_limit + "k", "tbl", false);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().detail, "tbl:2: line too long");
}

TEST(DatasetText, EntryAndSizeLimits) {
  std::string text;
  text.reserve(kMaxDatasetEntries * 2 + 2);
  for (std::size_t i = 0; i < kMaxDatasetEntries; ++i) text += "a\n";
  EXPECT_TRUE(parse_dataset_text(text, "tbl", false));
  text += "b\n";
  const auto got = parse_dataset_text(text, "tbl", false);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().detail.find("more than"), std::string::npos);
  EXPECT_FALSE(parse_dataset_text(std::string(kMaxDatasetBytes + 1, '#'), "tbl", false));
}

TEST(DatasetRefile, FirstMatchingPatternInFileOrderWins) {
  const auto got = parse_dataset_text(
      "*@sales.example.com  sales\n"
      "*@example.com        main\n"
      "*                    catchall\n",
      "SigningTable", true);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->is_pattern_set());
  EXPECT_EQ(got->lookup("Bob@Sales.Example.com"), std::vector<std::string>{"sales"});
  EXPECT_EQ(got->lookup("alice@example.com"), std::vector<std::string>{"main"});
  EXPECT_EQ(got->lookup("x@other.org"), std::vector<std::string>{"catchall"});
}

struct GlobCase {
  std::string_view pattern, text;
  bool want;
};
class Glob : public ::testing::TestWithParam<GlobCase> {};
TEST_P(Glob, MatchesStarAndLiterals) {
  const GlobCase& c = GetParam();
  EXPECT_EQ(glob_match(c.pattern, c.text), c.want) << c.pattern << " vs " << c.text;
}
INSTANTIATE_TEST_SUITE_P(Rows, Glob,
                         ::testing::Values(GlobCase{"", "", true}, GlobCase{"", "a", false}, GlobCase{"*", "", true},
                                           GlobCase{"*", "abc", true}, GlobCase{"a*c", "abbbc", true},
                                           GlobCase{"a*c", "abbb", false},
                                           GlobCase{"*@example.com", "u@example.com", true},
                                           GlobCase{"*@example.com", "u@example.com.evil", false},
                                           GlobCase{"*.example.com", "example.com", false},
                                           GlobCase{"a**b", "ab", true}, GlobCase{"?", "?", true},  // no '?' wildcard
                                           GlobCase{"?", "a", false},
                                           GlobCase{"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaa", false}));

TEST(DatasetInline, KeyEqualsValueItems) {
  const auto d = dataset_from_items({"daemon_name=MTA|smtp", "auth_type"});
  EXPECT_EQ(d.lookup("daemon_name"), std::vector<std::string>{"MTA|smtp"});
  EXPECT_TRUE(d.contains("AUTH_TYPE"));
  EXPECT_FALSE(d.is_pattern_set());
}

TEST(DatasetLoad, ReadsFilesAndInlineLists) {
  const auto dir = std::filesystem::temp_directory_path() / ("cachet_dataset_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "hosts").string();
  std::ofstream(path) << "127.0.0.1\n10.0.0.0/8\n";
  auto got = load_dataset("file:" + path);
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_TRUE(got->contains("10.0.0.0/8"));
  got = load_dataset(path);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->entries().size(), 2u);
  got = load_dataset("csl:a,b");
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->contains("b"));
  got = load_dataset("refile:" + (dir / "absent").string());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_NE(got.error().detail.find("No such file"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cachet::config
