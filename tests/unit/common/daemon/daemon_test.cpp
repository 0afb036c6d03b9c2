// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/daemon/daemon_test.cpp: reload swaps (a bad config keeps the old one),
// pid files, and run_daemon end to end in a forked child: check mode, startup, SIGHUP with a
// broken config, SIGUSR1 with a good one, SIGTERM, cleanup.
#include "common/daemon/daemon.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/config/file_reader.hpp"
#include "common/daemon/process.hpp"
#include "common/daemon/socket_spec.hpp"
#include "tests/unit/common/config/example_options.hpp"

namespace cachet::daemon {
namespace {

using config::testing::kExampleOptions;

config::ConfigOutcome parse(std::string_view text) { return config::parse_config(text, "t.conf", kExampleOptions); }

DaemonSpec minimal_spec() {
  DaemonSpec spec;
  spec.binary = "cachet-test";
  spec.version = "0.0";
  spec.options = kExampleOptions;
  spec.default_config = "/nonexistent/cachet-test.conf";
  return spec;
}

// A spec whose open only records that it ran and whose serve returns at once.
DaemonSpec recording_spec(bool& opened) {
  DaemonSpec spec = minimal_spec();
  spec.open = [&opened](const OpenContext&) -> Result<void> {
    opened = true;
    return {};
  };
  spec.serve = [](ServeContext&) { return 0; };
  return spec;
}

TEST(Reload, GoodConfigIsSwappedIn) {
  config::ConfigHolder holder(parse("DNSTimeout 5\n").config);
  log::CaptureLogger logger;
  const auto before = holder.load();
  EXPECT_TRUE(reload_config(
      holder, [] { return parse("DNSTimeout 9\n"); }, minimal_spec(), logger));
  EXPECT_EQ(holder.load()->seconds("DNSTimeout").count(), 9);
  EXPECT_EQ(before->seconds("DNSTimeout").count(), 5);  // a message's snapshot is untouched
  EXPECT_TRUE(logger.contains("config.reloaded"));
}

TEST(Reload, BadConfigKeepsTheOldOneAndLogsEveryProblem) {
  config::ConfigHolder holder(parse("DNSTimeout 5\n").config);
  const auto before = holder.load();
  log::CaptureLogger logger;
  EXPECT_FALSE(reload_config(
      holder, [] { return parse("DNSTimeout 99\nBogus 1\n"); }, minimal_spec(), logger));
  EXPECT_EQ(holder.load(), before);
  EXPECT_TRUE(logger.contains("t.conf:1: DNSTimeout: 99 exceeds maximum 30"));
  EXPECT_TRUE(logger.contains("t.conf:2: Bogus: unknown option"));
  EXPECT_TRUE(logger.contains("config.reload_failed"));
}

TEST(Reload, RefusingCallbackKeepsTheOldOne) {
  config::ConfigHolder holder(parse("DNSTimeout 5\n").config);
  const auto before = holder.load();
  DaemonSpec spec = minimal_spec();
  spec.reload = [](const std::shared_ptr<const config::Config>&, log::Logger&) -> Result<void> {
    return fail(Errc::config, "KeyTable: cannot read /etc/keys");
  };
  log::CaptureLogger logger;
  EXPECT_FALSE(reload_config(
      holder, [] { return parse("DNSTimeout 9\n"); }, spec, logger));
  EXPECT_EQ(holder.load(), before);
  EXPECT_TRUE(logger.contains("KeyTable: cannot read /etc/keys"));
  spec.reload = [](const std::shared_ptr<const config::Config>&, log::Logger&) -> Result<void> {
    throw std::runtime_error("boom");
  };
  EXPECT_FALSE(reload_config(
      holder, [] { return parse("DNSTimeout 9\n"); }, spec, logger));
  EXPECT_EQ(holder.load(), before);
}

TEST(Reload, WarnsAboutRestartOnlyOptions) {
  config::ConfigHolder holder(parse("Socket local:/a\n").config);
  log::CaptureLogger logger;
  EXPECT_TRUE(reload_config(
      holder, [] { return parse("Socket local:/b\n"); }, minimal_spec(), logger));
  EXPECT_TRUE(logger.contains("config.restart_required option=Socket"));
}

class DaemonProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/cachet_daemon_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    // Daemons that went to the background are not our children; stop them only if the test
    // failed before it could (a pid we already saw exit may have been reused).
    if (HasFailure())
      for (pid_t pid : strays_) ::kill(pid, SIGKILL);
    std::filesystem::remove_all(dir_);
  }
  pid_t spawn(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    children_.push_back(pid);
    return pid;
  }
  int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::erase(children_, pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void write(const std::string& path, std::string_view text) { std::ofstream(path) << text; }
  std::string dir_;
  std::vector<pid_t> children_;
  std::vector<pid_t> strays_;
};

// Polls for a condition (file appears, log line written) with a generous deadline.
bool wait_for(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

bool file_contains(const std::string& path, std::string_view needle) {
  auto text = config::read_text_file(path, 1 << 20);
  return text && text->find(needle) != std::string::npos;
}

int run_with(const DaemonSpec& spec, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return run_daemon(spec, static_cast<int>(args.size()), argv.data());
}

TEST_F(DaemonProcess, CheckModeAndUsageExitCodes) {
  const DaemonSpec spec = minimal_spec();
  write(dir_ + "/good.conf", "DNSTimeout 5\nLDAPUseTLS yes\nSocket inet:8891@127.0.0.1\n");
  write(dir_ + "/bad.conf", "DNSTimeout 99\n");
  EXPECT_EQ(run_with(spec, {"cachet-test", "-n", "-x", dir_ + "/good.conf"}), 0);
  EXPECT_EQ(run_with(spec, {"cachet-test", "--check-config", "-x", dir_ + "/bad.conf"}), 78);
  EXPECT_EQ(run_with(spec, {"cachet-test", "-n", "-p", "bogus:1", "-x", dir_ + "/good.conf"}), 78);
  EXPECT_EQ(run_with(spec, {"cachet-test", "-n"}), 78);  // default file absent
  EXPECT_EQ(run_with(spec, {"cachet-test", "-Z"}), kExitUsage);
  EXPECT_EQ(run_with(spec, {"cachet-test", "-V"}), 0);
  EXPECT_EQ(run_with(spec, {"cachet-test", "-f", "-x", dir_ + "/bad.conf"}), 78);
  DaemonSpec lenient = spec;
  lenient.allow_missing_default_config = true;
  EXPECT_EQ(run_with(lenient, {"cachet-test", "-n"}), 0);
  lenient.validate = [](const config::Config&) {
    return std::vector<config::Problem>{{"t.conf", 0, "Header_Type", "both set", config::Severity::error}};
  };
  EXPECT_EQ(run_with(lenient, {"cachet-test", "-n"}), 78);
}

TEST_F(DaemonProcess, RefusesToStartOverALiveInstance) {
  const pid_t twin = spawn([] {
    ::pause();
    return 0;
  });
  const std::string pid_file = dir_ + "/live.pid";
  write(pid_file, std::to_string(twin) + "\n");
  write(dir_ + "/d.conf", "PidFile " + pid_file + "\nSocket local:" + dir_ + "/d.sock\n");
  bool opened = false;
  const DaemonSpec spec = recording_spec(opened);
  EXPECT_EQ(run_with(spec, {"cachet-test", "-f", "-x", dir_ + "/d.conf"}), kExitOsError);
  EXPECT_FALSE(opened);
  EXPECT_TRUE(std::filesystem::exists(pid_file));  // not ours to remove
  EXPECT_TRUE(check_pid_file(dir_ + "/absent.pid"));
}

TEST_F(DaemonProcess, RunsReloadsAndStopsOnSignals) {
  const std::string conf = dir_ + "/d.conf";
  const std::string sock = dir_ + "/d.sock";
  const std::string pid_file = dir_ + "/d.pid";
  const std::string log_file = dir_ + "/stderr.log";
  const std::string base = "Socket local:" + sock + "\nPidFile " + pid_file + "\nUMask 007\n";
  write(conf, base + "DNSTimeout 5\n");
  const pid_t child = spawn([&] {
    FILE* f = std::freopen(log_file.c_str(), "w", stderr);
    if (f == nullptr) return 99;
    std::setvbuf(stderr, nullptr, _IONBF, 0);
    Fd listener;
    DaemonSpec spec = minimal_spec();
    spec.open = [&](const OpenContext& ctx) -> Result<void> {
      auto s = parse_socket_spec(ctx.config.string("Socket"));
      if (!s) return fail(s.error().code, s.error().detail);
      auto fd = listen_socket(*s, 007);
      if (!fd) return fail(fd.error().code, fd.error().detail);
      listener = std::move(*fd);
      return {};
    };
    spec.reload = [](const std::shared_ptr<const config::Config>& cfg, log::Logger& log) -> Result<void> {
      log::Event(log, log::Level::info, "test.reload")
          .kv("timeout", static_cast<long long>(cfg->seconds("DNSTimeout").count()));
      return {};
    };
    spec.serve = [](ServeContext& ctx) {
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, ctx.stop, [] { return false; });
      return 0;
    };
    return run_with(spec, {"cachet-test", "-f", "-x", conf});
  });
  ASSERT_TRUE(wait_for([&] { return file_contains(log_file, "daemon.start"); }))
      << *config::read_text_file(log_file, 1 << 20);
  EXPECT_TRUE(file_contains(pid_file, std::to_string(child)));
  EXPECT_TRUE(socket_identity(sock).has_value());
  // A broken config on SIGHUP: logged, old config kept, daemon keeps running.
  write(conf, base + "DNSTimeout 99\n");
  ::kill(child, SIGHUP);
  ASSERT_TRUE(wait_for([&] { return file_contains(log_file, "config.reload_failed"); }));
  EXPECT_TRUE(file_contains(log_file, "DNSTimeout: 99 exceeds maximum 30"));
  EXPECT_FALSE(file_contains(log_file, "test.reload"));
  // A good one on SIGUSR1 reaches the reload callback.
  write(conf, base + "DNSTimeout 7\n");
  ::kill(child, SIGUSR1);
  ASSERT_TRUE(wait_for([&] { return file_contains(log_file, "config.reloaded"); }));
  EXPECT_TRUE(file_contains(log_file, "test.reload timeout=7"));
  ::kill(child, SIGTERM);
  EXPECT_EQ(wait_exit(child), 0);
  EXPECT_TRUE(file_contains(log_file, "daemon.stopping signal=TERM"));
  EXPECT_FALSE(std::filesystem::exists(pid_file));
  EXPECT_FALSE(std::filesystem::exists(sock));
}

TEST_F(DaemonProcess, BackgroundParentExitsOnceTheDaemonIsReady) {
  const std::string conf = dir_ + "/bg.conf";
  const std::string sock = dir_ + "/bg.sock";
  const std::string pid_file = dir_ + "/bg.pid";
  write(conf, "Socket local:" + sock + "\nPidFile " + pid_file + "\nBackground yes\n");
  const pid_t starter = spawn([&] {
    Fd listener;
    DaemonSpec spec = minimal_spec();
    spec.open = [&](const OpenContext& ctx) -> Result<void> {
      auto fd = listen_socket(*parse_socket_spec(ctx.config.string("Socket")), 077);
      if (!fd) return fail(fd.error().code, fd.error().detail);
      listener = std::move(*fd);
      return {};
    };
    spec.serve = [](ServeContext& ctx) {
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, ctx.stop, [] { return false; });
      return 0;
    };
    return run_with(spec, {"cachet-test", "-x", conf});
  });
  // The starting process returns only after the daemon wrote its pid file.
  ASSERT_EQ(wait_exit(starter), 0);
  auto text = config::read_text_file(pid_file, 64);
  ASSERT_TRUE(text);
  const auto daemon_pid = parse_pid_text(*text);
  ASSERT_TRUE(daemon_pid.has_value());
  strays_.push_back(*daemon_pid);
  EXPECT_NE(*daemon_pid, starter);
  EXPECT_TRUE(socket_identity(sock).has_value());
  ASSERT_EQ(::kill(*daemon_pid, SIGTERM), 0);
  EXPECT_TRUE(wait_for([&] { return !std::filesystem::exists(pid_file); }));
  EXPECT_TRUE(wait_for([&] { return !std::filesystem::exists(sock); }));
}

TEST_F(DaemonProcess, DropsRootForGoodAndHandsTheSocketOver) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const pid_t child = spawn([&] {
    const std::string sock = dir_ + "/priv.sock";
    auto fd = listen_socket(SocketSpec{SocketSpec::Family::unix_path, sock, "", 0}, 007);
    auto who = resolve_user(UserSpec{"nobody", ""});
    if (!fd || !who) return 10;
    if (!give_to(sock, *who)) return 11;
    if (!drop_privileges(*who)) return 12;
    if (::getuid() != who->uid || ::geteuid() != who->uid || ::getegid() != who->gid) return 13;
    if (::setuid(0) == 0) return 14;
    struct stat st {};
    if (::lstat(sock.c_str(), &st) != 0 || st.st_uid != who->uid) return 15;
    return 0;
  });
  EXPECT_EQ(wait_exit(child), 0);
}

// A process started as its user (systemd User=, setpriv) with a UserID naming that user
// and group carries on without switching; any other UserID is a config error (78) found
// before open, and by the check mode with file:line. Runs as nobody in a forked child.
TEST_F(DaemonProcess, UserIdOfTheUserAlreadyRunningIsSatisfied) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (to become nobody)";
  const auto nobody = resolve_user(UserSpec{"nobody", ""});
  ASSERT_TRUE(nobody);
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  const std::string log_file = dir_ + "/stderr.log";
  const pid_t child = spawn([&] {
    if (!drop_privileges(*nobody)) return 10;
    if (!drop_privileges(*nobody) || !check_can_become(*nobody)) return 11;  // nothing to do
    auto root = check_can_become(RunAs{"root", 0, 0, ""});
    if (root || root.error().code != Errc::config) return 12;
    if (root.error().detail.find("not running as root but as nobody:") == std::string::npos) return 13;
    FILE* f = std::freopen(log_file.c_str(), "w", stderr);
    if (f == nullptr) return 99;
    std::setvbuf(stderr, nullptr, _IONBF, 0);
    bool opened = false;
    const DaemonSpec spec = recording_spec(opened);
    // A socket nobody could create in /run would (rightly) fail the check: none here.
    write(dir_ + "/same.conf", "UserID nobody\nSocket inet:8891@127.0.0.1\n");
    write(dir_ + "/other.conf", "DNSTimeout 5\nUserID root:root\n");
    if (run_with(spec, {"cachet-test", "-n", "-x", dir_ + "/same.conf"}) != 0) return 20;
    if (run_with(spec, {"cachet-test", "-n", "-x", dir_ + "/other.conf"}) != 78) return 21;
    if (run_with(spec, {"cachet-test", "-f", "-x", dir_ + "/other.conf"}) != 78) return 22;
    if (opened) return 23;  // refused before anything was opened
    if (run_with(spec, {"cachet-test", "-f", "-x", dir_ + "/same.conf"}) != 0) return 24;
    return opened ? 0 : 25;
  });
  EXPECT_EQ(wait_exit(child), 0) << *config::read_text_file(log_file, 1 << 20);
  EXPECT_TRUE(file_contains(log_file, "other.conf:2: UserID root:root: not running as root"));
  EXPECT_TRUE(file_contains(log_file, "daemon.bad_user"));
}

// spec.check runs in check mode only, also when some lines did not parse (on what did:
// every problem in one pass); its errors make the exit 78.
TEST_F(DaemonProcess, CheckModeRunsTheSpecsFileCheck) {
  DaemonSpec spec = minimal_spec();
  int checks = 0;
  std::string severity = "error";
  spec.check = [&](const config::Config&) {
    ++checks;
    return std::vector<config::Problem>{{"", 0, "", "/etc/x.map:3: bad line",
                                         severity == "error" ? config::Severity::error : config::Severity::warning}};
  };
  write(dir_ + "/good.conf", "DNSTimeout 5\nSocket inet:8891@127.0.0.1\n");
  write(dir_ + "/bad.conf", "DNSTimeout 99\nSocket inet:8891@127.0.0.1\n");
  EXPECT_EQ(run_with(spec, {"cachet-test", "-n", "-x", dir_ + "/good.conf"}), 78);
  EXPECT_EQ(run_with(spec, {"cachet-test", "-n", "-x", dir_ + "/bad.conf"}), 78);
  EXPECT_EQ(checks, 2);  // run on what parsed too
  severity = "warning";
  EXPECT_EQ(run_with(spec, {"cachet-test", "-n", "-x", dir_ + "/good.conf"}), 0);
  EXPECT_EQ(checks, 3);
}

TEST(Privileges, NonRootCannotBecomeSomeoneElse) {
  if (::geteuid() == 0) GTEST_SKIP() << "needs a non-root user";
  const auto got = drop_privileges(RunAs{"root", 0, 0, ""});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::config);
}

}  // namespace
}  // namespace cachet::daemon
