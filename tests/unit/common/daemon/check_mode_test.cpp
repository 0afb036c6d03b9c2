// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/daemon/check_mode_test.cpp: the check mode's own steps: every problem
// in one pass (validate and the daemon's check run although a line did not parse), the
// Socket's directory, UserID, problems reported once.
#include "common/daemon/check_mode.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "tests/unit/common/config/example_options.hpp"

namespace cachet::daemon {
namespace {

using config::testing::kExampleOptions;

std::vector<std::string> lines(const config::ConfigOutcome& out) {
  std::vector<std::string> v;
  for (const config::Problem& p : out.problems) v.push_back(p.to_string());
  return v;
}

class CheckMode : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cachet-check-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DaemonSpec spec() const {
    DaemonSpec s;
    s.binary = "cachet-test";
    s.options = kExampleOptions;
    s.validate = [](const config::Config& cfg) {
      std::vector<config::Problem> out;
      if (cfg.string("PidFile").empty())
        out.push_back(config::problem_at(cfg, "PidFile", "must be set", "set PidFile"));
      return out;
    };
    s.check = [](const config::Config& cfg) {
      return std::vector<config::Problem>{
          config::problem_at(cfg, "InternalHosts", "cannot open /x", "correct the path")};
    };
    return s;
  }
  // A file only root can read, in a directory everyone may search ("" on failure).
  std::string root_only_file() const {
    ::chmod(dir_.c_str(), 0755);
    const std::string path = (dir_ / "secret").string();
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) return {};
    std::fclose(f);
    ::chmod(path.c_str(), 0600);
    return path;
  }
  // spec() whose check opens `path` as whoever runs it.
  DaemonSpec spec_reading(const std::string& path) const {
    DaemonSpec s = spec();
    s.check = [path](const config::Config& cfg) {
      std::vector<config::Problem> found;
      if (std::FILE* f = std::fopen(path.c_str(), "r"))
        std::fclose(f);
      else
        found.push_back(config::problem_at(cfg, "InternalHosts", "cannot open " + path));
      return found;
    };
    return s;
  }
  std::filesystem::path dir_;
};

TEST_F(CheckMode, EveryProblemInOnePass) {
  const std::string text = "Socket local:" + (dir_ / "sock").string() + "\nDNSTimeout 90\nInternalHosts file:/x\n";
  auto out = config::parse_config(text, "t.conf", kExampleOptions);
  run_check_mode(spec(), out);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(lines(out), (std::vector<std::string>{
                            "t.conf:2: DNSTimeout: 90 exceeds maximum 30",
                            "t.conf: PidFile: must be set; fix: set PidFile",
                            "t.conf:3: InternalHosts: cannot open /x; fix: correct the path",
                        }));
}

TEST_F(CheckMode, MissingSocketDirectoryIsAnError) {
  const std::string text = "PidFile /p\nSocket local:" + (dir_ / "nodir" / "s.sock").string() + "\n";
  auto out = config::parse_config(text, "t.conf", kExampleOptions);
  DaemonSpec s = spec();
  s.check = nullptr;
  run_check_mode(s, out);
  EXPECT_FALSE(out.ok());
  const std::string d = (dir_ / "nodir").string();
  EXPECT_EQ(lines(out), (std::vector<std::string>{"t.conf:2: Socket: directory " + d +
                                                  " does not exist; fix: create it (packages: systemd-tmpfiles "
                                                  "--create; by hand: mkdir -p " +
                                                  d + "), or choose another Socket"}));
}

TEST_F(CheckMode, SocketInAFileIsAnError) {
  const std::string file = (dir_ / "f").string();
  ASSERT_TRUE(std::fopen(file.c_str(), "w") != nullptr);
  const auto got = check_socket_directory("unix:" + file + "/s.sock", {"t.conf", 4});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].to_string(),
            "t.conf:4: Socket: " + file + " is not a directory; fix: choose a Socket in a directory");
}

TEST_F(CheckMode, InetSocketsAndGoodDirectoriesPass) {
  EXPECT_TRUE(check_socket_directory("inet:8891@127.0.0.1", {"t.conf", 1}).empty());
  EXPECT_TRUE(check_socket_directory("local:" + (dir_ / "s.sock").string(), {"t.conf", 1}).empty());
}

TEST_F(CheckMode, UnknownUserIsLocated) {
  auto out = config::parse_config("PidFile /p\nUserID no-such-user-cachet\n", "t.conf", kExampleOptions);
  DaemonSpec s = spec();
  s.check = nullptr;
  run_check_mode(s, out);
  EXPECT_FALSE(out.ok());
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(out.problems[0].file, "t.conf");
  EXPECT_EQ(out.problems[0].line, 2u);
}

// Run as root with a UserID, the files are loaded again as that user: one only root can
// read is a warning (startup reads it as root; a reload, as the user, would fail).
TEST_F(CheckMode, FileOnlyRootCanReadIsAReloadWarning) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string secret = root_only_file();
  ASSERT_FALSE(secret.empty());
  auto out = config::parse_config("PidFile /p\nSocket inet:1@127.0.0.1\nUserID nobody\n", "t.conf", kExampleOptions);
  const DaemonSpec s = spec_reading(secret);
  run_check_mode(s, out);
  EXPECT_TRUE(out.ok()) << ::testing::PrintToString(lines(out));
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(out.problems[0].severity, config::Severity::warning);
  EXPECT_EQ(out.problems[0].to_string(),
            "t.conf: InternalHosts: cannot open " + secret +
                " (as nobody: startup reads it as root, but a reload runs as nobody and fails); "
                "fix: let user nobody read it (chgrp/chmod)");
  EXPECT_EQ(::geteuid(), 0u);  // the identity is back
  EXPECT_EQ(::getegid(), 0u);
}

// Run as root without UserID, a daemon with a packaged user is checked as that user too,
// and what it cannot read is an error: the unit starts the daemon as that user (cachetctl
// testkey and doctor judge the same way). UserID root asks about a root start instead.
TEST_F(CheckMode, WithoutUserIdRootChecksForThePackagedUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string secret = root_only_file();
  ASSERT_FALSE(secret.empty());
  DaemonSpec s = spec_reading(secret);
  s.packaged_user = "nobody";
  auto out = config::parse_config("PidFile /p\nSocket inet:1@127.0.0.1\n", "t.conf", kExampleOptions);
  run_check_mode(s, out);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(
      lines(out),
      (std::vector<std::string>{"t.conf: InternalHosts: cannot open " + secret +
                                " (as nobody, the user the packaged unit runs cachet-test as; UserID root checks a "
                                "start as root instead); fix: let user nobody read it (chgrp/chmod)"}));
  EXPECT_EQ(::geteuid(), 0u);
  auto as_root = config::parse_config("PidFile /p\nSocket inet:1@127.0.0.1\nUserID root\n", "t.conf", kExampleOptions);
  run_check_mode(s, as_root);
  EXPECT_TRUE(as_root.ok()) << ::testing::PrintToString(lines(as_root));
  ::chmod(secret.c_str(), 0644);
  auto readable = config::parse_config("PidFile /p\nSocket inet:1@127.0.0.1\n", "t.conf", kExampleOptions);
  run_check_mode(s, readable);
  EXPECT_TRUE(readable.ok()) << ::testing::PrintToString(lines(readable));
}

TEST_F(CheckMode, CleanConfigStaysUsable) {
  auto out = config::parse_config("PidFile /p\nSocket inet:1@127.0.0.1\n", "t.conf", kExampleOptions);
  DaemonSpec s = spec();
  s.check = nullptr;
  run_check_mode(s, out);
  EXPECT_TRUE(out.ok()) << ::testing::PrintToString(lines(out));
}

}  // namespace
}  // namespace cachet::daemon
