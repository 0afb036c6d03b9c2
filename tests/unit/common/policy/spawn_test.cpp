// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/policy/spawn_test.cpp: run_spawn() on a thread over a pipe pair.
#include "common/policy/spawn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <stdexcept>
#include <string>

#include "common/base/fd.hpp"

namespace cachet::policy {
namespace {

using namespace std::chrono_literals;

// Echoes the sender as a REJECT text; "fail@x" fails, "throw@x" throws.
Result<std::string> echo(const Request& r, const ConnectionInfo&) {
  if (r.sender() == "fail@x") return fail(Errc::temporary, "dns timeout");
  if (r.sender() == "throw@x") throw std::runtime_error("boom");
  if (r.sender() == "newline@x") return std::string("REJECT a\nb");
  return "REJECT " + std::string(r.sender());
}

std::string request(std::string_view sender) {
  return "request=smtpd_access_policy\nsender=" + std::string(sender) + "\n\n";
}

// run_spawn() on a thread: the test writes to `in` and reads from `out`.
class SpawnRun {
 public:
  explicit SpawnRun(SessionOptions options = {}) : handler_(echo) {
    int a[2], b[2];
    EXPECT_EQ(::pipe2(a, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(b, O_CLOEXEC), 0);
    child_in_.reset(a[0]);
    in_.reset(a[1]);
    out_.reset(b[0]);
    child_out_.reset(b[1]);
    end_ = std::async(std::launch::async, [this, options] {
      const SpawnEnd end = run_spawn(handler_, log_, options, child_in_.get(), child_out_.get());
      child_out_.reset();  // like a child exiting: the reader sees EOF
      return end;
    });
  }
  ~SpawnRun() {
    in_.reset();
    if (end_.valid()) end_.wait();
  }
  void send(std::string_view bytes) {
    ASSERT_EQ(::write(in_.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  void close_input() { in_.reset(); }
  // Everything written until `want` bytes arrived or EOF (5 s safety bound).
  std::string read(std::size_t want = SIZE_MAX) {
    std::string got;
    char buf[4096];
    while (got.size() < want) {
      pollfd p{out_.get(), POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) break;
      const ssize_t n = ::read(out_.get(), buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  SpawnEnd end() {
    EXPECT_EQ(end_.wait_for(5s), std::future_status::ready);
    return end_.get();
  }
  log::CaptureLogger& log() { return log_; }

 private:
  FunctionHandler handler_;
  log::CaptureLogger log_;
  Fd child_in_, in_, out_, child_out_;
  std::future<SpawnEnd> end_;
};

TEST(Spawn, AnswersManyRequestsUntilEof) {
  SpawnRun run;
  run.send(request("a@x"));
  EXPECT_EQ(run.read(18), "action=REJECT a@x\n\n");
  run.send(request("b@x") + request("c@x"));  // two at once
  EXPECT_EQ(run.read(38), "action=REJECT b@x\n\naction=REJECT c@x\n\n");
  run.close_input();
  EXPECT_EQ(run.end(), SpawnEnd::eof);
  EXPECT_EQ(run.read(), "");
  EXPECT_FALSE(run.log().contains("policy.bad_request"));
}

TEST(Spawn, MalformedRequestEndsTheRunAfterEarlierReplies) {
  SpawnRun run;
  run.send(request("a@x") + "garbage\n\n");
  EXPECT_EQ(run.end(), SpawnEnd::bad_request);
  EXPECT_EQ(run.read(), "action=REJECT a@x\n\n");
  EXPECT_TRUE(run.log().contains("policy.bad_request conn=1 peer=stdin reason=\"line without '='\""));
}

TEST(Spawn, HandlerErrorClosesWithoutReply) {
  for (const auto sender : {"fail@x", "throw@x", "newline@x"}) {
    SpawnRun run;
    run.send(request(sender));
    EXPECT_EQ(run.end(), SpawnEnd::handler_error) << sender;
    EXPECT_EQ(run.read(), "") << sender;
    EXPECT_TRUE(run.log().contains("policy.handler_error conn=1 peer=stdin")) << sender;
  }
}

TEST(Spawn, HandlerErrorCanAnswerDeferIfPermit) {
  SessionOptions options;
  options.on_handler_error = OnHandlerError::defer_if_permit;
  SpawnRun run(options);
  run.send(request("fail@x") + request("ok@x"));
  const std::string want =
      "action=DEFER_IF_PERMIT Service temporarily unavailable\n\n"
      "action=REJECT ok@x\n\n";
  EXPECT_EQ(run.read(want.size()), want);
  run.close_input();
  EXPECT_EQ(run.end(), SpawnEnd::eof);
}

TEST(Spawn, IdleTimeoutEndsQuietlyBetweenRequests) {
  SessionOptions options;
  options.idle_timeout = 100ms;
  SpawnRun run(options);
  run.send(request("a@x"));
  EXPECT_EQ(run.read(18), "action=REJECT a@x\n\n");
  EXPECT_EQ(run.end(), SpawnEnd::idle_timeout);
  EXPECT_FALSE(run.log().contains("policy.bad_request"));
}

TEST(Spawn, StalledRequestIsLoggedAndDropped) {
  SessionOptions options;
  options.request_timeout = 100ms;
  SpawnRun run(options);
  run.send("request=smtpd_access_policy\nsender=");
  EXPECT_EQ(run.end(), SpawnEnd::idle_timeout);
  EXPECT_TRUE(run.log().contains("reason=\"timeout inside a request\""));
}

TEST(Spawn, EofInsideARequestIsABadRequest) {
  SpawnRun run;
  run.send("request=smtpd_access_policy\n");
  run.close_input();
  EXPECT_EQ(run.end(), SpawnEnd::bad_request);
  EXPECT_TRUE(run.log().contains("reason=\"end of file inside a request\""));
}

}  // namespace
}  // namespace cachet::policy
