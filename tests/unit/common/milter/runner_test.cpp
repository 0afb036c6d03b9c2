// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/milter/runner_test.cpp: socket forms and the FakeContext contract (the
// protocol is connection_test.cpp's and wire_server_test.cpp's; the server in a real
// process is tests/integration/milter_layer_test.cpp's).
#include "common/milter/runner.hpp"

#include <gtest/gtest.h>

#include "common/daemon/socket_spec.hpp"
#include "tests/lib/fake_context.hpp"

namespace {

using namespace cachet::milter;
using cachet::testlib::FakeContext;

// Socket specs are common/daemon's (tests/unit/common/daemon/socket_spec_test.cpp); the
// runner accepts every form the peers (libmilter's smfi_setconn) do, including a bare path.
TEST(MilterOptions, SocketFormsParseWithTheDaemonParser) {
  for (const char* spec :
       {"unix:/run/x.sock", "local:/run/x.sock", "/run/x.sock", "inet:8891@127.0.0.1", "inet:8891", "inet6:8891@::1"})
    EXPECT_TRUE(cachet::daemon::parse_socket_spec(spec)) << spec;
  for (const char* spec : {"", "unix:", "inet:0@127.0.0.1", "inet:65536", "inet:x@h", "tcp:1@h"})
    EXPECT_FALSE(cachet::daemon::parse_socket_spec(spec)) << spec;
}

TEST(FakeContext, RecordsModificationsOnlyAtEomAndWhenNegotiated) {
  FakeContext c;
  c.macros = {{"i", "QID"}, {"{auth_authen}", "alice"}};
  EXPECT_EQ(c.queue_id(), "QID");
  EXPECT_EQ(c.macro("{i}").value_or(""), "QID");
  EXPECT_EQ(c.macro("{auth_authen}").value_or(""), "alice");
  EXPECT_FALSE(c.macro("j"));
  c.actions = cachet::milter::wire::kActAddHdrs;
  ASSERT_TRUE(c.insert_header(0, "Authentication-Results", " x; dkim=pass"));
  auto denied = c.quarantine("no");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, cachet::Errc::config);
  c.at_eom = false;
  EXPECT_EQ(c.add_header("X", "y").error().code, cachet::Errc::internal);
  ASSERT_EQ(c.changes.size(), 1u);
  EXPECT_EQ(c.changes[0].command, 'i');
  EXPECT_EQ(c.changes[0].index, 0);
}

TEST(Verdict, Constructors) {
  EXPECT_TRUE(Verdict::cont().is_continue());
  const auto r = Verdict::reply("550", "5.7.1", "no");
  EXPECT_EQ(r.action, Action::reply);
  EXPECT_EQ(r.code, "550");
  EXPECT_FALSE(Verdict::tempfail().is_continue());
}

}  // namespace
