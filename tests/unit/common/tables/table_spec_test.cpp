// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/tables/table_spec_test.cpp: spec parsing, the factory over real files
// in a temporary directory, and change detection for reload.
#include "common/tables/table_spec.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/tables/table_list.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::tables {
namespace {

struct SpecCase {
  std::string_view name, spec;
  bool want_ok;
};
class ParseTableSpec : public ::testing::TestWithParam<SpecCase> {};

TEST_P(ParseTableSpec, AcceptsOnlySupportedSpecs) {
  const SpecCase& c = GetParam();
  EXPECT_EQ(parse_table_spec(c.spec).has_value(), c.want_ok) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Specs, ParseTableSpec,
    ::testing::Values(SpecCase{"pcre", "pcre:/etc/postfix/a.pcre", true},
                      SpecCase{"inline pcre", "pcre:{ {/a/ b} }", true}, SpecCase{"texthash", "texthash:/etc/x", true},
                      SpecCase{"hash", "hash:/etc/x", true}, SpecCase{"lmdb", "lmdb:/etc/x", true},
                      SpecCase{"inline", "inline:{a=b}", true}, SpecCase{"static", "static:x", true},
                      SpecCase{"empty", "", false}, SpecCase{"no colon", "pcre", false},
                      SpecCase{"no type", ":/x", false}, SpecCase{"empty name", "hash:", false},
                      SpecCase{"relative path", "hash:etc/x", false}, SpecCase{"unsupported", "mysql:/etc/x.cf", false},
                      SpecCase{"regexp unsupported", "regexp:/etc/x", false}));

TEST(ParseTableList, SplitsOnCommasAndSpacesKeepingBraces) {
  const auto got = parse_table_list(" pcre:/a,texthash:/b  inline:{ a=b, {c = d} },static:{ x y }");
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0].text(), "pcre:/a");
  EXPECT_EQ((*got)[1].text(), "texthash:/b");
  EXPECT_EQ((*got)[2].text(), "inline:{ a=b, {c = d} }");
  EXPECT_EQ((*got)[3].text(), "static:{ x y }");
  EXPECT_TRUE(parse_table_list("")->empty());
  EXPECT_FALSE(parse_table_list("inline:{ a=b").has_value());
}

class TableFiles : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) { return dir_.write(name, text); }
  testlib::TempDir dir_{"cachet-tables"};
};

TEST_F(TableFiles, OpensEveryFileTypeFromSourceText) {
  const std::string p = write("sendas.pcre", "/^(.+)@x\\.test$/ $1\n");
  const std::string h = write("logins", "a@x.test alice\n");
  for (const std::string type : {"hash", "lmdb", "texthash"}) {
    auto t = open_table(TableSpec{type, h}, read_table_file);
    ASSERT_TRUE(t.has_value()) << type << ": " << t.error().detail;
    EXPECT_EQ((*t)->name(), type + ":" + h);
    EXPECT_EQ(*(*t)->lookup("A@x.test").value(), "alice");
  }
  auto t = open_table(TableSpec{"pcre", p}, read_table_file);
  ASSERT_TRUE(t.has_value());
  const auto m = (*t)->lookup_explained("bob@x.test");
  EXPECT_EQ((*m)->value, "bob");
  EXPECT_EQ((*m)->source, p + ":1");
}

TEST_F(TableFiles, ChangedOnDiskNoticesEditsAndRemoval) {
  const std::string p = write("t.pcre", "/a/ one\n");
  auto t = open_table(TableSpec{"pcre", p}, read_table_file);
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE((*t)->changed_on_disk());
  write("t.pcre", "/a/ two\n");
  EXPECT_TRUE((*t)->changed_on_disk());
  auto reloaded = open_table(TableSpec{"pcre", p}, read_table_file);
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_FALSE((*reloaded)->changed_on_disk());
  EXPECT_EQ(*(*reloaded)->lookup("a").value(), "two");
  std::filesystem::remove(p);
  EXPECT_TRUE((*reloaded)->changed_on_disk());
}

TEST_F(TableFiles, BrokenReloadLeavesTheOldTableUsable) {
  const std::string p = write("t.pcre", "/a/ one\n");
  auto list = TableList::open("pcre:" + p, read_table_file, LoadOptions{true, true});
  ASSERT_TRUE(list.has_value());
  write("t.pcre", "/a(/ broken\n");
  EXPECT_TRUE(list->changed_on_disk());
  const auto again = list->reopen(read_table_file);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().detail.find(p + ":1: error in regex"), std::string::npos) << again.error().detail;
  EXPECT_EQ(list->find("a")->value().match.value, "one");  // the caller keeps this one
  write("t.pcre", "/a/ three\n");
  const auto fixed = list->reopen(read_table_file);
  ASSERT_TRUE(fixed.has_value()) << fixed.error().detail;
  EXPECT_EQ(fixed->find("a")->value().match.value, "three");
  EXPECT_EQ(TableList{}.reopen(read_table_file).error().code, Errc::internal);
}

TEST_F(TableFiles, ReaderRefusesMissingAndNonRegularFiles) {
  EXPECT_EQ(read_table_file(dir_.file("missing")).error().code, Errc::config);
  EXPECT_NE(read_table_file(dir_.path()).error().detail.find("not a regular file"), std::string::npos);
  const auto stamp = stamp_file(write("s", "x y"));
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->size, 3);
}

TEST(OpenTable, InlineAndStaticNeedNoFiles) {
  const FileReader no_files = [](const std::string& p) -> Result<FileContent> {
    return fail(Errc::internal, "unexpected read of " + p);
  };
  for (const char* spec : {"inline:{ a=b }", "static:b", "pcre:{ {/a/ b} }"}) {
    auto t = open_table(*parse_table_spec(spec), no_files);
    ASSERT_TRUE(t.has_value()) << spec << ": " << t.error().detail;
    EXPECT_EQ(*(*t)->lookup("a").value(), "b") << spec;
    EXPECT_EQ((*t)->name(), spec);
    EXPECT_FALSE((*t)->changed_on_disk());
  }
}

}  // namespace
}  // namespace cachet::tables
