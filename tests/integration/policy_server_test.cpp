// SPDX-License-Identifier: BSD-2-Clause
// tests/integration/policy_server_test.cpp: PolicyServer on a unix socket in a temp dir
// (and on TCP loopback), driven by PolicyClient. In-process: the server runs on a thread
// with a fake handler; every wait is for a condition (a reply, a close, run() returning).
#include "common/policy/server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/fd.hpp"
#include "common/policy/io.hpp"
#include "common/policy/parser.hpp"
#include "common/policy/reply.hpp"
#include "tests/lib/policy_client.hpp"

namespace cachet::policy {
namespace {

using namespace std::chrono_literals;
using testlib::PolicyClient;
using testlib::ReplyStatus;

std::vector<Attribute> request_from(std::string_view sender) {
  return {{"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"}, {"sender", sender}};
}

// A listening unix socket in a fresh temp dir, and a server thread serving it.
class PolicyServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "cachet-policy-XXXXXX");
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = dir_ + "/policy.sock";
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    ASSERT_LT(path_.size(), sizeof sun.sun_path);
    std::strcpy(sun.sun_path, path_.c_str());
    ASSERT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
    ASSERT_EQ(::listen(listener_.get(), 128), 0);
  }

  void TearDown() override {
    stop_server();
    std::filesystem::remove_all(dir_);
  }

  void start(ServerOptions options = {}) { start_on({listener_.get()}, options); }

  void start_on(std::vector<int> fds, ServerOptions options) {
    server_ = std::make_unique<PolicyServer>(std::move(fds), handler_, log_, options);
    done_ = std::async(std::launch::async, [this] { return server_->run(); });
  }

  // Stops the server; true when run() returned within the bound.
  bool stop_server() {
    if (!server_) return true;
    server_->stop();
    const bool prompt = done_.wait_for(5s) == std::future_status::ready;
    if (prompt)
      EXPECT_TRUE(done_.get().has_value());
    else
      done_.wait();
    server_.reset();
    return prompt;
  }

  PolicyClient client() {
    auto c = PolicyClient::connect_unix(path_);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().detail);
    return std::move(c).value();
  }

  // The default handler: "REJECT <sender> conn=<id>"; "fail@x" fails.
  FunctionHandler handler_{[](const Request& r, const ConnectionInfo& c) -> Result<std::string> {
    if (r.sender() == "fail@x") return fail(Errc::temporary, "dns timeout");
    return "REJECT " + std::string(r.sender()) + " conn=" + std::to_string(c.id);
  }};
  log::CaptureLogger log_;
  std::string dir_, path_;
  Fd listener_;
  std::unique_ptr<PolicyServer> server_;
  std::future<Result<void>> done_;
};

std::string ask_ok(PolicyClient& c, std::string_view sender) {
  auto reply = c.ask(request_from(sender));
  EXPECT_TRUE(reply.has_value()) << (reply ? "" : reply.error().detail);
  if (!reply) return "";
  EXPECT_EQ(reply->status, ReplyStatus::action);
  return std::string(reply->action);
}

ReplyStatus status_after_raw(PolicyClient& c, std::string_view bytes) {
  (void)c.send_raw(bytes);  // may fail if the server already closed
  auto reply = c.read_reply(5s);
  EXPECT_TRUE(reply.has_value()) << (reply ? "" : reply.error().detail);
  return reply ? reply->status : ReplyStatus::timeout;
}

TEST_F(PolicyServerTest, ServesManyRequestsPerConnection) {
  start();
  PolicyClient c = client();
  const std::string first = ask_ok(c, "u0@x");
  const std::string conn = first.substr(first.find(" conn="));
  for (int i = 1; i < 200; ++i)
    ASSERT_EQ(ask_ok(c, "u" + std::to_string(i) + "@x"), "REJECT u" + std::to_string(i) + "@x" + conn);
}

TEST_F(PolicyServerTest, AnswersPipelinedRequestsInOrder) {
  start();
  PolicyClient c = client();
  std::string three;
  for (const char* s : {"a@x", "b@x", "c@x"}) ASSERT_TRUE(append_request(three, request_from(s)).has_value());
  ASSERT_TRUE(c.send_raw(three).has_value());
  for (const char* s : {"a@x", "b@x", "c@x"}) {
    auto reply = c.read_reply(5s);
    ASSERT_TRUE(reply.has_value());
    ASSERT_EQ(reply->status, ReplyStatus::action);
    EXPECT_EQ(reply->action.substr(0, 10), "REJECT " + std::string(s));
  }
}

TEST_F(PolicyServerTest, ServesTwentyConnectionsConcurrently) {
  // Every handler call waits until all 20 are in flight at once: only a server that
  // really runs them concurrently answers (with DUNNO, not the timeout's error).
  constexpr int kClients = 20;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  handler_ = FunctionHandler([&](const Request&, const ConnectionInfo&) -> Result<std::string> {
    std::unique_lock lock(mu);
    ++arrived;
    cv.notify_all();
    if (!cv.wait_for(lock, 10s, [&] { return arrived >= kClients; })) return fail(Errc::internal, "not concurrent");
    return std::string("DUNNO");
  });
  ServerOptions options;
  options.worker_threads = kClients;
  start(options);
  std::vector<PolicyClient> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(client());
    ASSERT_TRUE(clients.back().send(request_from("x@y")).has_value());
  }
  for (auto& c : clients) {
    auto reply = c.read_reply(15s);
    ASSERT_TRUE(reply.has_value());
    ASSERT_EQ(reply->status, ReplyStatus::action);
    EXPECT_EQ(reply->action, "DUNNO");
  }
  EXPECT_EQ(server_->connection_count(), static_cast<std::size_t>(kClients));
}

struct GarbageCase {
  std::string_view name;
  std::string bytes;
  std::string_view reason;
};

TEST_F(PolicyServerTest, GarbageOnOneConnectionDoesNotDisturbAnother) {
  using namespace std::string_literals;
  const GarbageCase cases[] = {
      {"missing equals", "request=smtpd_access_policy\nhello\n\n", "line without '='"},
      {"nul byte", "request=smtpd_access_policy\nsender=a\0b\n\n"s, "NUL byte"},
      {"over-long line", "x=" + std::string(kMaxLineBytes, 'a'), "line too long"},
      {"binary", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s, "NUL byte"},
      {"wrong request type", "request=junk\n\n", "not request=smtpd_access_policy"},
  };
  start();
  PolicyClient good = client();
  EXPECT_EQ(ask_ok(good, "before@x").substr(0, 15), "REJECT before@x");
  for (const auto& c : cases) {
    PolicyClient bad = client();
    EXPECT_EQ(status_after_raw(bad, c.bytes), ReplyStatus::closed) << c.name;
    EXPECT_TRUE(log_.contains("policy.bad_request")) << c.name;
    EXPECT_TRUE(log_.contains(std::string(c.reason))) << c.name;
    EXPECT_EQ(ask_ok(good, "after@x").substr(0, 14), "REJECT after@x") << c.name;
  }
}

TEST_F(PolicyServerTest, TooManyAttributesClosesTheConnection) {
  start();
  std::string req = "request=smtpd_access_policy\n";
  for (std::size_t i = 0; i < kMaxAttributes; ++i) req += "a" + std::to_string(i) + "=\n";
  PolicyClient bad = client();
  EXPECT_EQ(status_after_raw(bad, req + "\n"), ReplyStatus::closed);
  EXPECT_TRUE(log_.contains("reason=\"too many attributes\""));
}

TEST_F(PolicyServerTest, StalledClientIsDroppedAfterTheTimeout) {
  ServerOptions options;
  options.session.request_timeout = 200ms;
  start(options);
  PolicyClient stalled = client();
  PolicyClient good = client();
  const auto begin = Clock::now();
  EXPECT_EQ(status_after_raw(stalled, "request=smtpd_access_policy\nsender=a"), ReplyStatus::closed);
  EXPECT_GE(Clock::now() - begin, 200ms);
  EXPECT_TRUE(log_.contains("reason=\"timeout inside a request\""));
  EXPECT_EQ(ask_ok(good, "ok@x").substr(0, 11), "REJECT ok@x");
}

TEST_F(PolicyServerTest, IdleConnectionIsClosedQuietly) {
  ServerOptions options;
  options.session.idle_timeout = 200ms;
  start(options);
  PolicyClient c = client();
  EXPECT_EQ(ask_ok(c, "a@x").substr(0, 10), "REJECT a@x");
  auto reply = c.read_reply(5s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, ReplyStatus::closed);
  EXPECT_FALSE(log_.contains("policy.bad_request"));
}

TEST_F(PolicyServerTest, HandlerErrorClosesWithoutReply) {
  start();
  PolicyClient c = client();
  auto reply = c.ask(request_from("fail@x"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, ReplyStatus::closed);
  EXPECT_TRUE(log_.contains("policy.handler_error"));
  EXPECT_TRUE(log_.contains("detail=\"dns timeout\""));
}

TEST_F(PolicyServerTest, HandlerErrorCanAnswerDeferIfPermit) {
  ServerOptions options;
  options.session.on_handler_error = OnHandlerError::defer_if_permit;
  start(options);
  PolicyClient c = client();
  EXPECT_EQ(ask_ok(c, "fail@x"), kTemporaryFailureAction);
  EXPECT_EQ(ask_ok(c, "ok@x").substr(0, 11), "REJECT ok@x");
}

TEST_F(PolicyServerTest, HandlerRunsInlineWithoutWorkers) {
  ServerOptions options;
  options.worker_threads = 0;
  start(options);
  PolicyClient c = client();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ask_ok(c, "a@x").substr(0, 10), "REJECT a@x");
}

TEST_F(PolicyServerTest, HandlerSeesPeerAndConnectionId) {
  std::mutex mu;
  std::vector<std::string> peers;
  handler_ = FunctionHandler([&](const Request&, const ConnectionInfo& c) -> Result<std::string> {
    const std::lock_guard lock(mu);
    peers.push_back(std::string(c.peer) + "#" + std::to_string(c.id));
    return std::string("DUNNO");
  });
  start();
  PolicyClient a = client();
  PolicyClient b = client();
  ask_ok(a, "x@y");
  ask_ok(b, "x@y");
  ask_ok(a, "x@y");
  const std::lock_guard lock(mu);
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0].substr(0, peers[0].find('#')), "unix:pid=" + std::to_string(::getpid()));
  EXPECT_NE(peers[0], peers[1]);
  EXPECT_EQ(peers[0], peers[2]);
}

TEST_F(PolicyServerTest, StopReturnsPromptlyWithIdleConnections) {
  start();
  PolicyClient a = client();
  PolicyClient b = client();
  ask_ok(a, "x@y");
  EXPECT_TRUE(stop_server());
  auto ra = a.read_reply(5s);
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->status, ReplyStatus::closed);
  auto rb = b.read_reply(5s);
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->status, ReplyStatus::closed);
}

TEST_F(PolicyServerTest, StopLetsTheRequestInFlightFinish) {
  std::promise<void> entered, release;
  auto release_f = release.get_future().share();
  handler_ = FunctionHandler([&](const Request&, const ConnectionInfo&) -> Result<std::string> {
    entered.set_value();
    release_f.wait();
    return std::string("OK");
  });
  start();
  PolicyClient c = client();
  ASSERT_TRUE(c.send(request_from("x@y")).has_value());
  entered.get_future().wait();
  server_->stop();
  EXPECT_EQ(done_.wait_for(0s), std::future_status::timeout);
  release.set_value();
  auto reply = c.read_reply(5s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, ReplyStatus::action);
  EXPECT_EQ(reply->action, "OK");
  EXPECT_TRUE(stop_server());
}

TEST_F(PolicyServerTest, ConnectionLimitDefersNewConnections) {
  ServerOptions options;
  options.max_connections = 2;
  start(options);
  auto a = std::make_unique<PolicyClient>(client());
  PolicyClient b = client();
  ask_ok(*a, "a@x");
  ask_ok(b, "b@x");
  PolicyClient c = client();  // completes in the kernel backlog
  ASSERT_TRUE(c.send(request_from("c@x")).has_value());
  auto waiting = c.read_reply(200ms);
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(waiting->status, ReplyStatus::timeout);
  EXPECT_TRUE(log_.contains("policy.connection_limit max=2"));
  a.reset();  // frees a slot: the server accepts c and answers
  auto reply = c.read_reply(5s);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, ReplyStatus::action);
  EXPECT_EQ(reply->action.substr(0, 10), "REJECT c@x");
}

TEST_F(PolicyServerTest, ServesTcpLoopback) {
  Fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(tcp.get(), reinterpret_cast<sockaddr*>(&in), sizeof in), 0);
  ASSERT_EQ(::listen(tcp.get(), 16), 0);
  socklen_t len = sizeof in;
  ASSERT_EQ(::getsockname(tcp.get(), reinterpret_cast<sockaddr*>(&in), &len), 0);
  start_on({listener_.get(), tcp.get()}, {});
  auto c = PolicyClient::connect_inet("127.0.0.1", ntohs(in.sin_port));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(ask_ok(*c, "tcp@x").substr(0, 12), "REJECT tcp@x");
  PolicyClient u = client();
  EXPECT_EQ(ask_ok(u, "unix@x").substr(0, 13), "REJECT unix@x");
  stop_server();
}

}  // namespace
}  // namespace cachet::policy
