// SPDX-License-Identifier: BSD-2-Clause
// tests/integration/policy_spawn_test.cpp: spawn mode through a real fork/exec of
// cachet-test-policy (tools/test_policy.cpp), driven by PolicyClient::spawn() the way
// Postfix's spawn(8) drives a child: one socket as stdin and stdout.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/policy/request.hpp"
#include "tests/lib/policy_client.hpp"

namespace cachet::testlib {
namespace {

using namespace std::chrono_literals;

const std::string kEcho = std::string(CACHET_BIN_DIR) + "/cachet-test-policy";

std::vector<policy::Attribute> request_from(std::string_view sender) {
  return {{"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"}, {"sender", sender}};
}

PolicyClient spawn_echo(std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{kEcho};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto c = PolicyClient::spawn(argv);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().detail);
  return std::move(c).value();
}

int exit_code(PolicyClient& c) {
  auto status = c.wait_exit(10s);
  EXPECT_TRUE(status.has_value()) << (status ? "" : status.error().detail);
  if (!status || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

TEST(PolicySpawn, AnswersRequestsAndExitsOnEof) {
  PolicyClient c = spawn_echo();
  for (int i = 0; i < 50; ++i) {
    const std::string sender = "u" + std::to_string(i) + "@x";
    auto reply = c.ask(request_from(sender));
    ASSERT_TRUE(reply.has_value()) << reply.error().detail;
    ASSERT_EQ(reply->status, ReplyStatus::action);
    EXPECT_EQ(reply->action, "REJECT " + sender);
  }
  c.shutdown_write();
  EXPECT_EQ(exit_code(c), 0);
}

TEST(PolicySpawn, BadRequestClosesWithoutReply) {
  PolicyClient c = spawn_echo();
  ASSERT_TRUE(c.send_raw("request=smtpd_access_policy\nno equals here\n\n").has_value());
  auto reply = c.read_reply(10s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, ReplyStatus::closed);
  EXPECT_EQ(exit_code(c), 1);
}

TEST(PolicySpawn, HandlerErrorClosesWithoutReply) {
  PolicyClient c = spawn_echo();
  auto reply = c.ask(request_from("fail@x"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, ReplyStatus::closed);
  EXPECT_EQ(exit_code(c), 1);
}

TEST(PolicySpawn, ExitsAfterTheIdleTimeout) {
  PolicyClient c = spawn_echo({"200"});
  auto reply = c.ask(request_from("a@x"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->action, "REJECT a@x");
  auto closed = c.read_reply(10s);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->status, ReplyStatus::closed);
  EXPECT_EQ(exit_code(c), 0);
}

TEST(PolicySpawn, DestructorKillsARunningChild) {
  pid_t pid;
  {
    PolicyClient c = spawn_echo();
    pid = c.pid();
    ASSERT_GT(pid, 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1) << "child still exists";
}

}  // namespace
}  // namespace cachet::testlib
