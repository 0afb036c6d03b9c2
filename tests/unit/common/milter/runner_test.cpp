// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/milter/runner_test.cpp: socket specs and the FakeContext contract
// (the parts of common/milter that run without libmilter; the rest is in
// tests/integration/milter_layer_test.cpp).
#include "common/milter/fake_context.hpp"
#include "common/milter/runner.hpp"

#include <gtest/gtest.h>

namespace {

using namespace cachet::milter;

struct SpecCase {
  const char* input;
  bool want_ok;
  SocketSpec::Kind kind;
  const char* path_or_host;
  int port;
};
class SocketSpecRows : public ::testing::TestWithParam<SpecCase> {};
TEST_P(SocketSpecRows, Parses) {
  const auto& c = GetParam();
  auto got = parse_socket_spec(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.input;
  if (!got) return;
  EXPECT_EQ(got->kind, c.kind) << c.input;
  if (c.kind == SocketSpec::Kind::unix_) {
    EXPECT_EQ(got->path, c.path_or_host);
  } else {
    EXPECT_EQ(got->host, c.path_or_host);
    EXPECT_EQ(got->port, c.port);
  }
}
INSTANTIATE_TEST_SUITE_P(Rows, SocketSpecRows, ::testing::Values(
    SpecCase{"unix:/run/x.sock", true, SocketSpec::Kind::unix_, "/run/x.sock", 0},
    SpecCase{"local:/run/x.sock", true, SocketSpec::Kind::unix_, "/run/x.sock", 0},
    SpecCase{"/run/x.sock", true, SocketSpec::Kind::unix_, "/run/x.sock", 0},
    SpecCase{"inet:8891@127.0.0.1", true, SocketSpec::Kind::inet, "127.0.0.1", 8891},
    SpecCase{"inet:8891", true, SocketSpec::Kind::inet, "", 8891},
    SpecCase{"inet6:8891@::1", true, SocketSpec::Kind::inet6, "::1", 8891},
    SpecCase{"", false, SocketSpec::Kind::unix_, "", 0},
    SpecCase{"unix:", false, SocketSpec::Kind::unix_, "", 0},
    SpecCase{"inet:0@127.0.0.1", false, SocketSpec::Kind::inet, "", 0},
    SpecCase{"inet:65536", false, SocketSpec::Kind::inet, "", 0},
    SpecCase{"inet:x@h", false, SocketSpec::Kind::inet, "", 0},
    SpecCase{"tcp:1@h", false, SocketSpec::Kind::inet, "", 0}));

TEST(SocketSpec, PathLengthLimit) {
  EXPECT_TRUE(parse_socket_spec("unix:/" + std::string(106, 'a')));   // 107 bytes fit
  EXPECT_FALSE(parse_socket_spec("unix:/" + std::string(107, 'a')));  // 108 do not
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
