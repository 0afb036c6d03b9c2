// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dkim/key_file_test.cpp: the RequireSafeKeys judgement row by row
// (pure, from stat data) and read_key_file() on real files in a temp dir.
#include "common/dkim/key_file.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace cachet::dkim {
namespace {

constexpr uid_t kDaemon = 110;

PathStat file(mode_t perm, uid_t uid = kDaemon) { return {"/etc/k/s.private", S_IFREG | perm, uid, 0}; }
PathStat dir(const char* path, mode_t perm, uid_t uid = 0) { return {path, S_IFDIR | perm, uid, 0}; }

std::vector<PathStat> good_dirs() { return {dir("/etc/k", 0700, kDaemon), dir("/etc", 0755), dir("/", 0755)}; }

TEST(JudgeKeyPath, SafeKeyHasNoProblems) {
  EXPECT_TRUE(judge_key_path(file(0600), good_dirs(), kDaemon, "opendkim").empty());
  EXPECT_TRUE(judge_key_path(file(0400), good_dirs(), 0, "root").empty()) << "root reads any key";
}

struct ModeCase {
  const char* name;
  mode_t mode;
  const char* want_what;
};

TEST(JudgeKeyPath, GroupOrOtherBitsNameTheChmod) {
  const ModeCase cases[] = {
      {"group read", 0640, "readable by group (mode 0640)"},
      {"world read", 0644, "readable by group and others (mode 0644)"},
      {"other read only", 0604, "readable by others (mode 0604)"},
      {"group write", 0620, "writable by group (mode 0620)"},
      {"group exec only", 0610, "has group or other permission bits (mode 0610)"},
  };
  for (const ModeCase& c : cases) {
    const auto got = judge_key_path(file(c.mode), good_dirs(), kDaemon, "opendkim");
    ASSERT_EQ(got.size(), 1u) << c.name;
    EXPECT_EQ(got[0].what, c.want_what) << c.name;
    EXPECT_EQ(got[0].fix, "chmod 0600 /etc/k/s.private") << c.name;
  }
}

TEST(JudgeKeyPath, ForeignOwnerNamesTheChown) {
  const auto got = judge_key_path(file(0600, 1234), good_dirs(), kDaemon, "opendkim");
  ASSERT_EQ(got.size(), 1u);  // /etc/k belongs to the reader: no problem there
  EXPECT_EQ(got[0].fix, "chown opendkim /etc/k/s.private");
}

TEST(JudgeKeyPath, WritableDirectoryNamesTheChmod) {
  auto dirs = good_dirs();
  dirs[1] = dir("/etc", 0777);
  const auto got = judge_key_path(file(0600), dirs, kDaemon, "opendkim");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/etc");
  EXPECT_EQ(got[0].fix, "chmod go-w /etc");
  EXPECT_NE(got[0].what.find("writable by group and others"), std::string::npos);
}

TEST(JudgeKeyPath, StickyDirectoryIsAccepted) {
  auto dirs = good_dirs();
  dirs[1] = dir("/tmp", 01777);
  EXPECT_TRUE(judge_key_path(file(0600), dirs, kDaemon, "opendkim").empty());
}

TEST(JudgeKeyPath, DirectoryOfAnotherUserNamesTheChown) {
  auto dirs = good_dirs();
  dirs[0] = dir("/etc/k", 0755, 999);
  const auto got = judge_key_path(file(0600), dirs, kDaemon, "opendkim");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].fix, "chown root /etc/k");
}

TEST(JudgeKeyPath, NotARegularFile) {
  PathStat f = file(0600);
  f.mode = S_IFDIR | 0700;
  const auto got = judge_key_path(f, good_dirs(), kDaemon, "opendkim");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].what, "not a regular file");
}

TEST(ReadKeyFile, ReadsAndJudgesTheOpenedFile) {
  test::TempDir tmp("keyfile");
  ::chmod(tmp.path().c_str(), 0700);
  const std::string path = tmp.write("k.private", "PEM TEXT");
  ::chmod(path.c_str(), 0644);
  auto got = read_key_file(path);
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->text.view(), "PEM TEXT");
  ASSERT_EQ(got->problems.size(), 1u);
  EXPECT_EQ(got->problems[0].fix, "chmod 0600 " + path);
  EXPECT_EQ(describe(got->problems[0]),
            path + ": readable by group and others (mode 0644); fix: chmod 0600 " + path);
  ::chmod(path.c_str(), 0600);
  got = read_key_file(path);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->problems.empty()) << describe(got->problems[0]);
}

TEST(ReadKeyFile, MissingAndOversizedFilesAreConfigErrors) {
  test::TempDir tmp("keyfile");
  auto missing = read_key_file(tmp.file("nope"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Errc::config);
  const std::string big = tmp.write("big", std::string(crypto::kMaxKeyTextBytes + 1, 'x'));
  EXPECT_FALSE(read_key_file(big).has_value());
  EXPECT_FALSE(read_key_file(tmp.path()).has_value()) << "a directory";
}

}  // namespace
}  // namespace cachet::dkim
