// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/policy/policy_daemon_test.cpp: the pure parts of the policy-daemon
// glue (mode choice, Socket check, exit statuses, handler swap). The binary is driven in
// tests/integration/sender_daemon_test.cpp.
#include "common/policy/policy_daemon.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cachet::policy {
namespace {

using config::Kind;
using config::OptionSpec;

inline constexpr OptionSpec kWithSocket[] = {
    {"Socket", Kind::string, "local:/run/x/x.sock", "where Postfix connects"},
};
inline constexpr OptionSpec kWithoutSocket[] = {
    {"Debug", Kind::boolean, "no", "debug"},
};

std::shared_ptr<const config::Config> parse(std::string_view text, config::OptionTable table) {
  auto outcome = config::parse_config(text, "t.conf", table);
  EXPECT_TRUE(outcome.ok()) << (outcome.problems.empty() ? "" : outcome.problems[0].to_string());
  return outcome.config;
}

struct SocketCase {
  std::string_view name, text;
  bool want_spawn;
};
class SpawnSocket : public ::testing::TestWithParam<SocketCase> {};

TEST_P(SpawnSocket, RecognisesSpawnWords) {
  const SocketCase& c = GetParam();
  EXPECT_EQ(is_spawn_socket(c.text), c.want_spawn) << c.name;
}
INSTANTIATE_TEST_SUITE_P(Words, SpawnSocket,
                         ::testing::Values(SocketCase{"empty", "", true}, SocketCase{"blanks", "  ", true},
                                           SocketCase{"stdio", "stdio", true}, SocketCase{"STDIO", "StDiO", true},
                                           SocketCase{"unix", "unix:/x.sock", false},
                                           SocketCase{"inet", "inet:9999@127.0.0.1", false},
                                           SocketCase{"near miss", "stdio2", false}));

TEST(PolicyDaemonMode, DefaultSocketMeansSocketMode) {
  const auto cfg = parse("", kWithSocket);
  EXPECT_FALSE(is_spawn_mode(*cfg));
  EXPECT_TRUE(check_socket_option(*cfg).empty());
}

TEST(PolicyDaemonMode, StdioWordMeansSpawnMode) {
  const auto cfg = parse("Socket stdio\n", kWithSocket);
  EXPECT_TRUE(is_spawn_mode(*cfg));
  EXPECT_TRUE(check_socket_option(*cfg).empty());
}

TEST(PolicyDaemonMode, TableWithoutSocketMeansSpawnMode) {
  const auto cfg = parse("", kWithoutSocket);
  EXPECT_TRUE(is_spawn_mode(*cfg));
  EXPECT_TRUE(check_socket_option(*cfg).empty());
}

TEST(PolicyDaemonMode, BadSocketIsAProblemWithFileAndLine) {
  const auto cfg = parse("# c\nSocket ftp:21\n", kWithSocket);
  const auto problems = check_socket_option(*cfg);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file, "t.conf");
  EXPECT_EQ(problems[0].line, 2u);
  EXPECT_EQ(problems[0].option, "Socket");
  EXPECT_EQ(problems[0].severity, config::Severity::error);
}

TEST(PolicyDaemonMode, SpawnExitStatuses) {
  EXPECT_EQ(spawn_exit_status(SpawnEnd::eof), 0);
  EXPECT_EQ(spawn_exit_status(SpawnEnd::idle_timeout), 0);
  EXPECT_EQ(spawn_exit_status(SpawnEnd::bad_request), 1);
  EXPECT_EQ(spawn_exit_status(SpawnEnd::handler_error), 1);
  EXPECT_EQ(spawn_exit_status(SpawnEnd::io_error), 2);
}

std::shared_ptr<PolicyHandler> constant(std::string action) {
  return std::make_shared<FunctionHandler>(
      [action](const Request&, const ConnectionInfo&) -> Result<std::string> { return action; });
}

TEST(SwappableHandler, EmptyIsAnInternalError) {
  SwappableHandler h;
  const auto got = h.handle(Request{}, ConnectionInfo{1, "t"});
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::internal);
}

TEST(SwappableHandler, StoreReplacesForTheNextRequest) {
  SwappableHandler h(constant("DUNNO"));
  EXPECT_EQ(h.handle(Request{}, ConnectionInfo{1, "t"}).value(), "DUNNO");
  auto old = h.load();
  h.store(constant("REJECT x"));
  EXPECT_EQ(h.handle(Request{}, ConnectionInfo{1, "t"}).value(), "REJECT x");
  // A request that took the old handler before the swap still completes on it.
  EXPECT_EQ(old->handle(Request{}, ConnectionInfo{1, "t"}).value(), "DUNNO");
}

}  // namespace
}  // namespace cachet::policy
