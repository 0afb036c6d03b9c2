// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dkim/key_file_test.cpp: the RequireSafeKeys judgement row by row
// (pure, from stat data: every owner/mode/group case) and read_key_file() on real files.
#include "common/dkim/key_file.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/lib/temp_dir.hpp"

namespace cachet::dkim {
namespace {

constexpr uid_t kDaemon = 110;
const KeyUser kUser{kDaemon, "cachet-dkim"};
const GroupStat kPrivateGroup{"cachet-dkim", {}};
const GroupStat kWideGroup{"users", {"bob"}};

PathStat file(mode_t perm, uid_t uid = 0) { return {"/etc/k/s.private", S_IFREG | perm, uid, 0}; }
PathStat dir(const char* path, mode_t perm, uid_t uid = 0) { return {path, S_IFDIR | perm, uid, 0}; }

std::vector<PathStat> good_dirs() { return {dir("/etc/k", 0750), dir("/etc", 0755), dir("/", 0755)}; }

std::vector<KeyFileProblem> judge(const PathStat& f, const GroupStat& g = kPrivateGroup,
                                  const std::vector<PathStat>& dirs = good_dirs()) {
  return judge_key_path(f, g, dirs, kUser);
}

// Each owner / mode / group case of the rule: "" = safe, else the fix it names.
struct Row {
  const char* name;
  mode_t mode;
  uid_t owner;
  const GroupStat* group;
  const char* want_fix;   // "" = no problem
  const char* want_what;  // substring of what, when a problem
};

TEST(JudgeKeyPath, EachOwnerModeAndGroupCase) {
  const Row rows[] = {
      {"root 0600", 0600, 0, &kWideGroup, "", ""},
      {"daemon 0600", 0600, kDaemon, &kWideGroup, "", ""},
      {"root 0400", 0400, 0, &kWideGroup, "", ""},
      {"packaged 0640 root:private", 0640, 0, &kPrivateGroup, "", ""},
      {"0640 wide group", 0640, 0, &kWideGroup, "chmod 0600 /etc/k/s.private",
       "readable by group users, which other users are in (bob) (mode 0640)"},
      {"0644 private group", 0644, 0, &kPrivateGroup, "chmod 0640 /etc/k/s.private", "readable by others (mode 0644)"},
      {"0644 wide group", 0644, 0, &kWideGroup, "chmod 0600 /etc/k/s.private",
       "readable by group users, which other users are in (bob), readable by others (mode 0644)"},
      {"0604", 0604, 0, &kPrivateGroup, "chmod 0600 /etc/k/s.private", "readable by others (mode 0604)"},
      {"0660 private group", 0660, 0, &kPrivateGroup, "chmod 0640 /etc/k/s.private", "writable by group (mode 0660)"},
      {"0666", 0666, 0, &kPrivateGroup, "chmod 0640 /etc/k/s.private",
       "readable by others, writable by group and others (mode 0666)"},
      {"0610", 0610, 0, &kPrivateGroup, "chmod 0600 /etc/k/s.private", "has group or other execute bits (mode 0610)"},
      {"0601", 0601, 0, &kPrivateGroup, "chmod 0600 /etc/k/s.private", "has group or other execute bits (mode 0601)"},
      {"foreign owner 0600", 0600, 1234, &kPrivateGroup, "chown cachet-dkim /etc/k/s.private",
       "owned by uid 1234, not by cachet-dkim or root"},
  };
  for (const Row& r : rows) {
    const auto got = judge(file(r.mode, r.owner), *r.group);
    if (*r.want_fix == '\0') {
      EXPECT_TRUE(got.empty()) << r.name << ": " << (got.empty() ? "" : describe(got[0]));
      continue;
    }
    ASSERT_EQ(got.size(), 1u) << r.name;
    EXPECT_EQ(got[0].fix, r.want_fix) << r.name;
    EXPECT_EQ(got[0].what, r.want_what) << r.name;
    EXPECT_EQ(got[0].path, "/etc/k/s.private") << r.name;
  }
}

TEST(JudgeKeyPath, PackagedLayoutJudgedForRootSaysForWhomToJudgeIt) {
  // cachet-dkim -n run by root without UserID on 0640 root:cachet-dkim: chmod 0600 alone
  // would lock the packaged daemon out, so the fix first names the user to judge it for.
  const GroupStat packaged{"cachet-dkim", {"cachet-dkim"}};
  const auto got = judge_key_path(file(0640), packaged, good_dirs(), KeyUser{0, "root"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].fix,
            "if cachet-dkim runs the daemon (the packaged layout), judge the key for cachet-dkim: "
            "UserID cachet-dkim, cachetctl testkey -u cachet-dkim, or runuser -u cachet-dkim -- "
            "cachet-dkim -n; else chmod 0600 /etc/k/s.private");
  // For the daemon's own user the same file is fine.
  EXPECT_TRUE(judge_key_path(file(0640), GroupStat{"cachet-dkim", {}}, good_dirs(), kUser).empty());
}

TEST(JudgeKeyPath, RootAsKeyUserStillWantsRootOrItsOwnKey) {
  // cachetctl run by root without UserID: a key owned by the daemon user is not root's.
  const auto got = judge_key_path(file(0600, kDaemon), kPrivateGroup, good_dirs(), KeyUser{0, "root"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].fix, "chown root /etc/k/s.private");
}

TEST(JudgeKeyPath, WritableDirectoryNamesTheChmod) {
  auto dirs = good_dirs();
  dirs[1] = dir("/etc", 0777);
  const auto got = judge(file(0600), kPrivateGroup, dirs);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/etc");
  EXPECT_EQ(got[0].fix, "chmod go-w /etc");
  EXPECT_NE(got[0].what.find("writable by group and others"), std::string::npos);
  dirs[1] = dir("/etc", 0775);
  ASSERT_EQ(judge(file(0600), kPrivateGroup, dirs).size(), 1u) << "group-writable too";
}

TEST(JudgeKeyPath, StickyDirectoryIsAccepted) {
  auto dirs = good_dirs();
  dirs[1] = dir("/tmp", 01777);
  EXPECT_TRUE(judge(file(0600), kPrivateGroup, dirs).empty());
}

TEST(JudgeKeyPath, DirectoryOfAnotherUserNamesTheChown) {
  auto dirs = good_dirs();
  dirs[0] = dir("/etc/k", 0755, 999);
  auto got = judge(file(0600), kPrivateGroup, dirs);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].fix, "chown root /etc/k");
  dirs[0] = dir("/etc/k", 0700, kDaemon);
  EXPECT_TRUE(judge(file(0600, kDaemon), kPrivateGroup, dirs).empty()) << "the key user's own dir";
}

TEST(JudgeKeyPath, NotARegularFile) {
  PathStat f = file(0600);
  f.mode = S_IFDIR | 0700;
  const auto got = judge(f);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].what, "not a regular file");
}

TEST(KeyUserNamed, UserAndUserGroupForms) {
  auto root = key_user_named("root:root");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->name, "root");
  EXPECT_FALSE(key_user_named("no-such-user-cachet").has_value());
}

TEST(ReadKeyFile, ReadsAndJudgesTheOpenedFile) {
  testlib::TempDir tmp("keyfile");
  ::chmod(tmp.path().c_str(), 0700);
  const std::string path = tmp.write("k.private", "PEM TEXT");
  ::chmod(path.c_str(), 0644);
  auto got = read_key_file(path, key_user());
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->text.view(), "PEM TEXT");
  ASSERT_EQ(got->problems.size(), 1u);
  EXPECT_EQ(got->problems[0].fix.substr(0, 8), "chmod 06");
  EXPECT_EQ(describe(got->problems[0]).substr(0, path.size() + 2), path + ": ");
  EXPECT_NE(describe(got->problems[0]).find("readable by others (mode 0644); fix: chmod 06"), std::string::npos)
      << describe(got->problems[0]);
  ::chmod(path.c_str(), 0600);
  got = read_key_file(path, key_user());
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->problems.empty()) << describe(got->problems[0]);
}

TEST(ReadKeyFile, MissingAndOversizedFilesAreConfigErrors) {
  testlib::TempDir tmp("keyfile");
  auto missing = read_key_file(tmp.file("nope"), key_user());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Errc::config);
  const std::string big = tmp.write("big", std::string(crypto::kMaxKeyTextBytes + 1, 'x'));
  EXPECT_FALSE(read_key_file(big, key_user()).has_value());
  EXPECT_FALSE(read_key_file(tmp.path(), key_user()).has_value()) << "a directory";
}

}  // namespace
}  // namespace cachet::dkim
