// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/daemon/socket_spec_test.cpp: socket spec parsing, the libmilter string,
// and (in a temp dir) listening plus stale-socket removal.
#include "common/daemon/socket_spec.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace cachet::daemon {
namespace {

using F = SocketSpec::Family;

struct SpecCase {
  std::string name, input;  // owning: some rows are built at run time
  bool want_ok;
  SocketSpec want;
  std::string want_conn;
};
class SocketSpecs : public ::testing::TestWithParam<SpecCase> {};

TEST_P(SocketSpecs, ParsesPeerSyntax) {
  const SpecCase& c = GetParam();
  const auto got = parse_socket_spec(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << " input='" << c.input << "'";
  if (!got) {
    EXPECT_EQ(got.error().code, Errc::config);
    return;
  }
  EXPECT_EQ(*got, c.want) << c.name;
  EXPECT_EQ(to_milter_conn(*got), c.want_conn) << c.name;
}

SocketSpec unix_at(std::string p) { return SocketSpec{F::unix_path, std::move(p), "", 0}; }
SocketSpec inet(F f, std::uint16_t port, std::string host = "") { return SocketSpec{f, "", std::move(host), port}; }

const std::string kLongPath = "/" + std::string(kMaxUnixPathBytes - 1, 'p');

INSTANTIATE_TEST_SUITE_P(
    Rows, SocketSpecs,
    ::testing::Values(
        SpecCase{"empty", "", false, {}, ""},
        SpecCase{"local", "local:/run/x.sock", true, unix_at("/run/x.sock"), "local:/run/x.sock"},
        SpecCase{"unix", "unix:/run/x.sock", true, unix_at("/run/x.sock"), "local:/run/x.sock"},
        SpecCase{"upper scheme", "LOCAL:/r", true, unix_at("/r"), "local:/r"},
        SpecCase{"bare path", "/run/x.sock", true, unix_at("/run/x.sock"), "local:/run/x.sock"},
        SpecCase{"relative local", "local:x.sock", true, unix_at("x.sock"), "local:x.sock"},
        SpecCase{"empty path", "local:", false, {}, ""},
        SpecCase{"path at limit", "local:" + kLongPath, true, unix_at(kLongPath), "local:" + kLongPath},
        SpecCase{"path over limit", "local:" + kLongPath + "p", false, {}, ""},
        SpecCase{"inet any", "inet:8891", true, inet(F::inet, 8891), "inet:8891"},
        SpecCase{"inet host", "inet:8891@127.0.0.1", true, inet(F::inet, 8891, "127.0.0.1"), "inet:8891@127.0.0.1"},
        SpecCase{"inet localhost", "inet:12345@localhost", true, inet(F::inet, 12345, "localhost"),
                 "inet:12345@localhost"},
        SpecCase{"inet6 host", "inet6:8893@::1", true, inet(F::inet6, 8893, "::1"), "inet6:8893@::1"},
        SpecCase{"inet6 bracketed", "inet6:8893@[::1]", true, inet(F::inet6, 8893, "::1"), "inet6:8893@::1"},
        SpecCase{"inet6 any", "inet6:8893", true, inet(F::inet6, 8893), "inet6:8893"},
        SpecCase{"port max", "inet:65535", true, inet(F::inet, 65535), "inet:65535"},
        SpecCase{"port max+1", "inet:65536", false, {}, ""}, SpecCase{"port zero", "inet:0", false, {}, ""},
        SpecCase{"port missing", "inet:@127.0.0.1", false, {}, ""}, SpecCase{"port name", "inet:smtp", false, {}, ""},
        SpecCase{"port negative", "inet:-1", false, {}, ""}, SpecCase{"empty host", "inet:8891@", false, {}, ""},
        SpecCase{"two ats", "inet:1@a@b", false, {}, ""}, SpecCase{"unknown scheme", "tcp:8891", false, {}, ""},
        SpecCase{"no scheme", "8891", false, {}, ""}, SpecCase{"NUL", std::string("local:/a\0b", 10), false, {}, ""}));

TEST(SocketSpec, OverLongSpecIsRejected) {
  EXPECT_FALSE(parse_socket_spec("inet:1@" + std::string(kMaxSocketSpecBytes, 'h')));
}

class SocketDir : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short base: sockaddr_un paths are limited to 107 bytes.
    dir_ = "/tmp/cachet_sock_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(SocketDir, ListensWithUmaskAndRemovesOnlyItsOwnSocket) {
  const SocketSpec spec = unix_at(dir_ + "/a.sock");
  auto fd = listen_socket(spec, 002);
  ASSERT_TRUE(fd) << fd.error().detail;
  struct stat st {};
  ASSERT_EQ(::lstat(spec.path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0775u);
  const auto id = socket_identity(spec.path);
  ASSERT_TRUE(id.has_value());
  // A live listener is never removed.
  const auto second = listen_socket(spec, 002);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().detail, "another daemon is listening on " + spec.path);
  EXPECT_TRUE(std::filesystem::exists(spec.path));
  EXPECT_TRUE(remove_own_socket(spec.path, *id));
  EXPECT_FALSE(std::filesystem::exists(spec.path));
}

TEST_F(SocketDir, DeadSocketFileIsReplaced) {
  const SocketSpec spec = unix_at(dir_ + "/dead.sock");
  {
    auto fd = listen_socket(spec, 077);
    ASSERT_TRUE(fd);
  }  // closed: the file stays, nobody answers
  ASSERT_TRUE(std::filesystem::exists(spec.path));
  const auto old_id = socket_identity(spec.path);
  auto fd = listen_socket(spec, 077);
  ASSERT_TRUE(fd) << fd.error().detail;
  // The old identity no longer names the file: remove_own_socket must leave it alone.
  EXPECT_FALSE(remove_own_socket(spec.path, *old_id));
  EXPECT_TRUE(std::filesystem::exists(spec.path));
}

TEST_F(SocketDir, NeverRemovesANonSocket) {
  const std::string path = dir_ + "/file";
  std::ofstream(path) << "precious";
  const auto got = remove_stale_socket(path);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::create_symlink(path, dir_ + "/link");
  EXPECT_FALSE(remove_stale_socket(dir_ + "/link"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/link"));
  EXPECT_TRUE(remove_stale_socket(dir_ + "/absent"));
}

TEST(SocketListen, RejectsNonNumericHost) {
  // Binding never depends on DNS: a host name other than localhost is refused.
  const auto got = listen_socket(inet(F::inet, 1, "mail.example.org"), 077);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::config);
}

TEST(SocketListen, BindsLoopbackInet) {
  // Ports are fixed by the spec; try a few high ones in case one is taken.
  for (std::uint16_t port = 47100; port < 47200; ++port) {
    auto fd = listen_socket(inet(F::inet, port, "localhost"), 077);
    if (!fd) continue;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(fd->get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
    EXPECT_EQ(addr.ss_family, AF_INET);
    return;
  }
  FAIL() << "no free loopback port in 47100-47199";
}

}  // namespace
}  // namespace cachet::daemon
