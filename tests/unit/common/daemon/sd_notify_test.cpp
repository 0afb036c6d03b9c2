// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/daemon/sd_notify_test.cpp: send_notify against real AF_UNIX datagram
// sockets (a path in a temp dir and an abstract name), and the addresses it refuses.
#include "common/daemon/sd_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "common/base/fd.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::daemon {
namespace {

// A bound datagram socket standing in for systemd's notify socket.
Fd bind_datagram(const std::string& address) {
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(), address.size());
  const bool is_abstract = address[0] == '@';
  if (is_abstract) addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (is_abstract ? 0 : 1));
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len), 0) << std::strerror(errno);
  return fd;
}

std::string receive(const Fd& fd) {
  char buf[512];
  const ssize_t n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
}

TEST(SdNotify, SendsOneDatagramToAPathSocket) {
  testlib::TempDir dir;
  const std::string path = dir.file("notify");
  Fd server = bind_datagram(path);
  ASSERT_TRUE(send_notify(path, "READY=1\nMAINPID=42").has_value());
  EXPECT_EQ(receive(server), "READY=1\nMAINPID=42");
  ASSERT_TRUE(send_notify(path, "STOPPING=1").has_value());
  EXPECT_EQ(receive(server), "STOPPING=1");
}

TEST(SdNotify, SendsToAnAbstractSocket) {
  const std::string name = "@cachet-notify-test-" + std::to_string(::getpid());
  Fd server = bind_datagram(name);
  ASSERT_TRUE(send_notify(name, "RELOADING=1").has_value());
  EXPECT_EQ(receive(server), "RELOADING=1");
}

TEST(SdNotify, RefusesBadAddresses) {
  EXPECT_EQ(send_notify("", "READY=1").error().code, Errc::config);
  EXPECT_EQ(send_notify("relative/notify", "READY=1").error().code, Errc::config);
  EXPECT_EQ(send_notify("vsock:2:1234", "READY=1").error().code, Errc::config);
  const std::string at_limit(sizeof(sockaddr_un{}.sun_path), 'x');
  EXPECT_EQ(send_notify("/" + at_limit.substr(1), "READY=1").error().code, Errc::config);
  EXPECT_EQ(send_notify("@" + at_limit, "READY=1").error().code, Errc::config);
}

TEST(SdNotify, NobodyListeningIsATemporaryError) {
  testlib::TempDir dir;
  auto r = send_notify(dir.file("absent"), "READY=1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::temporary);
}

}  // namespace
}  // namespace cachet::daemon
