// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/tables/vectors_test.cpp: replays every query of
// testdata/postfix-pcre/vectors.tsv (Postfix 3.7.11 `postmap -q` answers) against our
// pcre tables, and checks the load warnings of load-warnings.tsv (file and line).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "common/tables/pcre_table.hpp"
#include "common/tables/table_spec.hpp"

namespace cachet::tables {
namespace {

const std::filesystem::path kDir = std::filesystem::path(CACHET_TESTDATA) / "postfix-pcre";

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 't') {
      out += '\t';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  std::string x;
  while (std::getline(ss, x, '\t')) f.push_back(x);
  if (!line.empty() && line.back() == '\t') f.emplace_back();
  return f;
}

std::shared_ptr<const Table> load(std::map<std::string, std::shared_ptr<const Table>>& cache, const std::string& file) {
  auto& slot = cache[file];
  if (!slot) {
    auto t = open_table(TableSpec{"pcre", (kDir / file).string()}, read_table_file);
    EXPECT_TRUE(t.has_value()) << file << ": " << (t ? "" : t.error().detail);
    if (t) slot = *t;
  }
  return slot;
}

TEST(PostfixPcreVectors, AgreeWithPostmapOnEveryQuery) {
  std::ifstream in(kDir / "vectors.tsv");
  if (!in) GTEST_SKIP() << "conformance suite not found at " << kDir;
  std::map<std::string, std::shared_ptr<const Table>> tables;
  std::string line;
  int replayed = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto f = split_tabs(line);
    ASSERT_GE(f.size(), 3u) << line;
    const auto table = load(tables, f[0]);
    ASSERT_TRUE(table) << f[0];
    const auto got = table->lookup(f[1]);
    ASSERT_TRUE(got.has_value()) << f[1] << ": " << got.error().detail;
    const bool want_found = f[2] == "found";
    EXPECT_EQ(got->has_value(), want_found) << f[0] << " " << f[1];
    if (want_found && got->has_value()) {
      EXPECT_EQ(**got, unescape(f.size() > 3 ? f[3] : "")) << f[0] << " " << f[1];
    }
    ++replayed;
  }
  std::printf("[ vectors  ] replayed %d postmap queries\n", replayed);
  EXPECT_EQ(replayed, 34);
}

TEST(PostfixPcreVectors, LoadWarningsNameTheSameLines) {
  std::ifstream in(kDir / "load-warnings.tsv");
  if (!in) GTEST_SKIP() << "conformance suite not found at " << kDir;
  std::map<std::string, std::shared_ptr<const Table>> tables;
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto f = split_tabs(line);
    ASSERT_EQ(f.size(), 2u);
    const std::string want_line = f[1].substr(f[1].find(", line ") + 7);
    const std::string line_no = want_line.substr(0, want_line.find(':'));
    const auto table = load(tables, f[0]);
    ASSERT_TRUE(table);
    bool seen = false;
    for (const auto& w : table->warnings()) seen = seen || w.find(f[0] + ":" + line_no + ": ") != std::string::npos;
    EXPECT_TRUE(seen) << "no warning for " << f[0] << " line " << line_no;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(PostfixPcreVectors, StrictModeRefusesTablesPostfixOnlyWarnsAbout) {
  std::ifstream in(kDir / "edge-cases.pcre");
  if (!in) GTEST_SKIP() << "conformance suite not found at " << kDir;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto got = parse_pcre_table(text, "edge-cases.pcre", PcreOptions{true, true});
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_NE(got.error().detail.find("edge-cases.pcre:11:"), std::string::npos) << got.error().detail;
}

}  // namespace
}  // namespace cachet::tables
