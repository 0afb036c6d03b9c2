// SPDX-License-Identifier: BSD-2-Clause
// tests/integration/cachetctl_keygen_user_test.cpp: keygen fits the packages: --user gives
// the key to the daemon user's group (0640 root:GROUP) and the one-line TXT value is printed;
// testkey -u judges the file for that user with the daemon's rule.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

const std::string kCtl = std::string(CACHET_BIN_DIR) + "/cachetctl";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CachetctlKeygenUser, WritesThePackagedLayoutAndPrintsTheValue) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the key to another group";
  const passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr) GTEST_SKIP() << "no user nobody";
  const gid_t gid = pw->pw_gid;
  cachet::testlib::TempDir dir("keygen-user");
  ::chmod(dir.path().c_str(), 0755);
  auto r = cachet::testlib::run_command(
      {kCtl, "keygen", "-D", dir.path(), "-s", "s1", "-d", "example.com", "--user", "nobody"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->exit_code, 0) << r->err;
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("s1.private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, gid);
  // One line: the strings of s1.txt joined.
  ASSERT_EQ(r->out.rfind("v=DKIM1; h=sha256; k=rsa; p=", 0), 0u) << r->out;
  ASSERT_EQ(r->out.back(), '\n');
  EXPECT_EQ(r->out.find('\n'), r->out.size() - 1);
  const std::string zone = slurp(dir.file("s1.txt"));
  const std::string p = r->out.substr(r->out.find("p=") + 2, 40);
  EXPECT_NE(zone.find(p), std::string::npos) << "the value's p= starts the zone stub's p=";
  // The key user nobody may read through the group; testkey says why it is or is not safe
  // with the same rule cachet-dkim uses (no "readable by others").
  auto t =
      cachet::testlib::run_command({kCtl, "testkey", "-d", "example.com", "-s", "s1", "-k", dir.file("s1.private"),
                                    "-u", "nobody", "--key-file", "s1._domainkey.example.com=" + dir.file("s1.txt")});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->err.find("readable by others"), std::string::npos) << t->err;
}

TEST(CachetctlKeygenUser, UnknownUserIsRefused) {
  cachet::testlib::TempDir dir("keygen-user");
  auto r = cachet::testlib::run_command({kCtl, "keygen", "-D", dir.path(), "--user", "no-such-user-cachet"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_EQ(r->err, "cachetctl keygen: --user: no such user: no-such-user-cachet\n");
}

}  // namespace
