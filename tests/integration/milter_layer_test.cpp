// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/milter_layer_test.cpp: common/milter's server in a real process, driven by
// the project's milter client (tests/lib/milter_client). The milter is
// build/bin/cachet-test-milter (tests/integration/tools/test_milter.cpp), one process per
// test in a temp dir; every wait polls a condition with a bound, every process is killed
// by pid in TearDown.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/lib/milter_client.hpp"

namespace {

using cachet::testlib::Message;
using cachet::testlib::MilterClient;
using cachet::testlib::Transaction;
namespace wire = cachet::milter::wire;

// Polls `cond` every 10 ms up to `timeout_ms`.
template <class F>
bool eventually(F cond, int timeout_ms = 5000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TestMilter {
 public:
  TestMilter(const std::filesystem::path& dir, std::vector<std::string> flags, const std::string& name = "m")
      : socket_(dir / (name + ".sock")), log_(dir / (name + ".log")) {
    std::vector<std::string> args = {std::string(CACHET_BIN_DIR) + "/cachet-test-milter", "unix:" + socket_.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~TestMilter() { kill_now(); }

  // The socket accepts connections, or the process died.
  bool wait_ready() {
    return eventually([&] {
      MilterClient probe;
      return alive() && log().find("test_milter.ready") != std::string::npos &&
             probe.connect("unix:" + socket_.string()).has_value();
    });
  }
  bool alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return false;
    }
    return true;
  }
  // Exit status once the process ended within timeout_ms, else -1.
  int wait_exit(int timeout_ms) {
    eventually([&] { return !alive(); }, timeout_ms);
    return pid_ > 0 ? -1 : exit_status_;
  }
  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  void kill_now() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string log() const { return read_file(log_); }
  std::string spec() const { return "unix:" + socket_.string(); }
  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path socket_, log_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

class MilterLayer : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cachet-milter-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    milters_.clear();
    std::filesystem::remove_all(dir_);
  }
  TestMilter& start(std::vector<std::string> flags = {}, const std::string& name = "m") {
    milters_.push_back(std::make_unique<TestMilter>(dir_, std::move(flags), name));
    EXPECT_TRUE(milters_.back()->wait_ready()) << milters_.back()->log();
    return *milters_.back();
  }
  static Message message() {
    Message m;
    m.macros = {{"j", "mx.example"},        {"{daemon_name}", "ORIGINATING"},      {"i", "QID1"},
                {"{auth_authen}", "alice"}, {"{mail_addr}", "sender@example.org"}, {"{rcpt_addr}", "rcpt@example.com"}};
    m.headers = {{"From", " Alice <alice@example.org>"}, {"Subject", " hello"}};
    m.body = "line one\r\nline two\r\n";
    return m;
  }
  // One message on a fresh connection; `extra` header appended to message().
  static cachet::Result<Transaction> one_message(const TestMilter& milter, const char* extra = nullptr) {
    MilterClient c;
    if (auto ok = c.connect(milter.spec()); !ok) return cachet::Unexpected<cachet::Error>(ok.error());
    Message m = message();
    if (extra != nullptr) m.headers.push_back({extra, " yes"});
    return c.send_message(m);
  }
  static std::string header(const Transaction& t, const char* name) {
    const auto* r = t.find(wire::kRepAddHeader, name);
    return r != nullptr ? r->value : "<missing>";
  }

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<TestMilter>> milters_;
};

TEST_F(MilterLayer, FullTransactionCollectsModifications) {
  auto& milter = start();
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  Message m = message();
  m.headers.push_back({"X-Test-Quarantine", " yes"});
  m.headers.push_back({"X-Test-Change", " yes"});
  auto t = c.send_message(m);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->final_command, 'c');
  EXPECT_EQ(t->final_step, "eom");
  const auto* first = t->find(wire::kRepInsHeader, "X-Test-First");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->index, 0u);
  EXPECT_EQ(header(*t, "X-Test-Body-Size"), std::to_string(m.body.size()));
  EXPECT_EQ(header(*t, "X-Test-Headers"), "4");
  EXPECT_EQ(header(*t, "X-Test-Subject"), "[hello]");  // Postfix strips the leading space
  const auto* q = t->find(wire::kRepQuarantine);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->name, "test quarantine");
  const auto* chg = t->find(wire::kRepChgHeader, "Subject");
  ASSERT_NE(chg, nullptr);
  EXPECT_EQ(chg->index, 1u);
  EXPECT_EQ(chg->value, "changed");
  // OPTNEG: actions as declared, steps not needed are switched off.
  EXPECT_EQ(c.negotiated().actions & 0x3f, wire::kActAddHdrs | wire::kActChgHdrs | wire::kActQuarantine);
  EXPECT_NE(c.negotiated().protocol & wire::kNoHelo, 0u);
  EXPECT_EQ(c.negotiated().protocol & wire::kNrHdr, 0u);
}

TEST_F(MilterLayer, MacrosDeliveredAtEachStage) {
  auto& milter = start();
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  auto t = c.send_message(message());
  ASSERT_TRUE(t) << t.error().detail;
  const std::string seen = header(*t, "X-Test-Macros");
  for (const char* want :
       {"connect:j=mx.example", "connect:{daemon_name}=ORIGINATING", "mail:i=QID1", "mail:{auth_authen}=alice",
        "mail:{mail_addr}=sender@example.org", "rcpt:{rcpt_addr}=rcpt@example.com", "eom:i=QID1"})
    EXPECT_NE(seen.find(want), std::string::npos) << want << " in " << seen;
}

TEST_F(MilterLayer, SymlistReplacesDefaultMacroLists) {
  auto& milter = start({"--symlist"});
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  auto t = c.send_message(message());
  ASSERT_TRUE(t) << t.error().detail;
  const auto& mail_list = c.negotiated().symlists[static_cast<int>(wire::Stage::mail)];
  ASSERT_TRUE(mail_list.has_value());
  EXPECT_EQ(*mail_list, (std::vector<std::string>{"i", "{auth_authen}"}));
  const std::string seen = header(*t, "X-Test-Macros");
  EXPECT_NE(seen.find("mail:{auth_authen}=alice"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("{mail_addr}"), std::string::npos) << seen;    // not asked for
  EXPECT_EQ(seen.find("{daemon_name}"), std::string::npos) << seen;  // connect: j only
}

TEST_F(MilterLayer, RejectAtHeaderWithCustomReply) {
  auto t = one_message(start(), "X-Test-Reject");
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->final_command, 'y');
  EXPECT_EQ(t->final_step, "header");
  EXPECT_EQ(t->reply_text, "550 5.7.1 rejected by test");
}

TEST_F(MilterLayer, NoReplyStepsDeferTheVerdictToEom) {
  auto& milter = start({"--no-reply"});
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  Message m = message();
  m.headers.push_back({"X-Test-Reject", " yes"});
  auto t = c.send_message(m);
  ASSERT_TRUE(t) << t.error().detail;
  const std::uint32_t nr = wire::kNrRcpt | wire::kNrHdr | wire::kNrEoh | wire::kNrBody;
  EXPECT_EQ(c.negotiated().protocol & nr, nr);
  EXPECT_EQ(t->final_step, "eom");
  EXPECT_EQ(t->final_command, 'y');
  EXPECT_EQ(t->reply_text, "550 5.7.1 rejected by test");
  // The next message on the connection is judged afresh.
  auto ok = c.send_message(message());
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(ok->final_command, 'c');
  EXPECT_EQ(header(*ok, "X-Test-Headers"), "2");
}

TEST_F(MilterLayer, ExceptionBecomesTempfailAndConnectionSurvives) {
  auto& milter = start();
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  Message m = message();
  m.headers.push_back({"X-Test-Throw", " yes"});
  auto t = c.send_message(m);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->final_command, 't');
  EXPECT_EQ(t->final_step, "header");
  auto next = c.send_message(message());
  ASSERT_TRUE(next) << next.error().detail;
  EXPECT_EQ(next->final_command, 'c');
  EXPECT_TRUE(eventually([&] {
    const auto log = milter.log();
    return log.find("milter.internal_error qid=QID1 stage=header") != std::string::npos;
  })) << milter.log();
}

TEST_F(MilterLayer, ConfiguredFailureActionIsUsed) {
  auto t = one_message(start({"--failure=reject"}), "X-Test-Throw");
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->final_command, 'r');
}

TEST_F(MilterLayer, AbortThenSecondMessageOnSameConnection) {
  auto& milter = start();
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  ASSERT_TRUE(c.negotiate());
  const Message m = message();
  ASSERT_TRUE(c.send_connect(m));
  ASSERT_TRUE(c.send_helo(m));
  ASSERT_TRUE(c.send_mail(m));
  ASSERT_TRUE(c.send_rcpt(m, {"<rcpt@example.com>"}));
  ASSERT_TRUE(c.send_header("Subject", " first"));
  ASSERT_TRUE(c.send_abort());
  auto t = c.send_message(m);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->final_command, 'c');
  EXPECT_EQ(header(*t, "X-Test-Aborts"), "1");
  EXPECT_EQ(header(*t, "X-Test-Headers"), "2");
}

TEST_F(MilterLayer, NoConnectStepCreatesSessionLazily) {
  auto t = one_message(start({"--no-connect"}));
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->final_command, 'c');
  EXPECT_EQ(header(*t, "X-Test-Macros").find("connect:"), std::string::npos);
}

TEST_F(MilterLayer, LeadingSpaceKeptWhenNegotiated) {
  auto t = one_message(start({"--leading-space"}));
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(header(*t, "X-Test-Subject"), "[ hello]");
}

TEST_F(MilterLayer, ClientDisconnectMidMessageFreesTheSession) {
  auto& milter = start();
  {
    MilterClient a;
    ASSERT_TRUE(a.connect(milter.spec()));
    ASSERT_TRUE(a.negotiate());
    const Message m = message();
    ASSERT_TRUE(a.send_connect(m));
    ASSERT_TRUE(a.send_mail(m));
    ASSERT_TRUE(a.send_rcpt(m, {"<rcpt@example.com>"}));
    ASSERT_TRUE(a.send_header("Subject", " cut"));
  }  // a's socket closes here, mid-message
  // Each probe is a fresh connection: its own session counts 1 while it is at EOM.
  std::string live;
  EXPECT_TRUE(eventually([&] {
    auto t = one_message(milter);
    live = t ? header(*t, "X-Test-Live") : "error";
    return live == "1";
  })) << "live sessions: "
      << live;
}

TEST_F(MilterLayer, GarbageFromRawSocketDoesNotCrash) {
  auto& milter = start();
  const std::vector<std::string> garbage = {
      std::string("\x00\x00\x00\x05Zjunk", 9),  // unknown command
      std::string("\x7f\xff\xff\xff"
                  "O",
                  5),                             // absurd length
      std::string("\x00\x00\x00\x02O\x01", 6),    // OPTNEG too short
      std::string("\x00\x00\x00\x05Lx\0y\0", 9),  // a header before negotiation
  };
  for (const auto& g : garbage) {
    MilterClient raw;
    ASSERT_TRUE(raw.connect(milter.spec()));
    ASSERT_TRUE(raw.send_raw(g));
    EXPECT_TRUE(raw.wait_closed(5000)) << "garbage #" << (&g - garbage.data());
  }
  {
    // After negotiation, a header without its two strings closes that connection too.
    MilterClient raw;
    ASSERT_TRUE(raw.connect(milter.spec()));
    ASSERT_TRUE(raw.negotiate());
    ASSERT_TRUE(raw.send_raw(std::string("\x00\x00\x00\x01L", 5)));
    EXPECT_TRUE(raw.wait_closed(5000));
  }
  ASSERT_TRUE(milter.alive()) << milter.log();
  auto t = one_message(milter);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->final_command, 'c');
}

TEST_F(MilterLayer, ManyMessagesPerConnectionAndBigBody) {
  auto& milter = start();
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  Message m = message();
  m.body = std::string(200000, 'x') + "\r\n";  // four chunks
  for (int i = 0; i < 20; ++i) {
    auto t = c.send_message(m);
    ASSERT_TRUE(t) << t.error().detail;
    EXPECT_EQ(header(*t, "X-Test-Body-Size"), std::to_string(m.body.size()));
  }
}

TEST_F(MilterLayer, SighupDoesNotStopAndSigtermStopsQuickly) {
  auto& milter = start();
  for (int i = 1; i <= 10; ++i) {
    milter.signal(SIGHUP);
    const std::string want = "test_milter.reload n=" + std::to_string(i);
    ASSERT_TRUE(eventually([&] { return milter.log().find(want) != std::string::npos; })) << milter.log();
  }
  MilterClient c;
  ASSERT_TRUE(c.connect(milter.spec()));
  ASSERT_TRUE(c.send_message(message()));
  c.close();
  milter.signal(SIGTERM);
  EXPECT_EQ(milter.wait_exit(10000), 0) << milter.log();
}

// The descriptors a process has open: how many are sockets, and the lowest free number.
struct OpenFds {
  int sockets = 0;
  int lowest_free = 0;
};
OpenFds open_fds(pid_t pid) {
  std::vector<int> used;
  OpenFds o;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    used.push_back(std::stoi(e.path().filename().string()));
    std::error_code ec;
    if (std::filesystem::read_symlink(e.path(), ec).string().rfind("socket:", 0) == 0) ++o.sockets;
  }
  std::sort(used.begin(), used.end());
  for (const int fd : used)
    if (fd == o.lowest_free) ++o.lowest_free;
  return o;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Out of descriptors, accept() fails at every retry (each 100 ms): one milter.accept_error
// per episode, which milter.accept_recovered ends at the next connection accepted. A worker
// already asleep in accept() holds the number it will use, so the connection made while the
// limit is low may still be served, which ends an episode; there are then at most as many
// episodes as connections served (2 here), however many retries failed.
TEST_F(MilterLayer, AcceptOutOfDescriptorsLogsOncePerEpisode) {
  auto& milter = start();
  // Only the listener left (wait_ready's probe closed): then no free number is below the limit.
  ASSERT_TRUE(eventually([&] { return open_fds(milter.pid()).sockets == 1; })) << milter.log();
  rlimit normal{};
  ASSERT_EQ(::prlimit(milter.pid(), RLIMIT_NOFILE, nullptr, &normal), 0);
  rlimit low = normal;
  low.rlim_cur = static_cast<rlim_t>(open_fds(milter.pid()).lowest_free);
  ASSERT_EQ(::prlimit(milter.pid(), RLIMIT_NOFILE, &low, nullptr), 0);
  std::optional<cachet::Result<Transaction>> during;
  std::thread client([&] { during = one_message(milter); });
  ASSERT_TRUE(eventually([&] { return milter.log().find("milter.accept_error") != std::string::npos; }));
  // A few retries fail meanwhile; what is asserted holds however many there were.
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  ASSERT_EQ(::prlimit(milter.pid(), RLIMIT_NOFILE, &normal, nullptr), 0);
  client.join();
  ASSERT_TRUE(during && *during) << milter.log();
  EXPECT_TRUE((*during)->accepted());
  const auto after = one_message(milter);
  ASSERT_TRUE(after) << milter.log();
  EXPECT_TRUE(after->accepted());
  const auto episodes_ended = [&] {
    const std::string log = milter.log();
    return count_of(log, "milter.accept_error") == count_of(log, "milter.accept_recovered");
  };
  EXPECT_TRUE(eventually(episodes_ended)) << milter.log();
  EXPECT_LE(count_of(milter.log(), "milter.accept_error"), 2u) << milter.log();
}

TEST_F(MilterLayer, SecondInstanceRefusesLiveSocket) {
  auto& first = start();
  TestMilter second(dir_, {}, "m");  // same socket path
  EXPECT_EQ(second.wait_exit(5000), 78) << second.log();
  EXPECT_TRUE(one_message(first));
}

// Not an assertion: prints what NR_* saves per message (one round trip per header).
TEST_F(MilterLayer, MeasureNoReplySavings) {
  Message m = message();
  for (int i = 0; i < 20; ++i) m.headers.push_back({"X-Filler-" + std::to_string(i), " v"});
  for (const bool nr : {false, true}) {
    auto& milter = start(nr ? std::vector<std::string>{"--no-reply"} : std::vector<std::string>{}, nr ? "nr" : "plain");
    MilterClient c;
    ASSERT_TRUE(c.connect(milter.spec()));
    constexpr int kMessages = 200;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(c.send_message(m));
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / kMessages;
    std::printf("[ measure  ] %s: %.0f us per message (22 headers)\n",
                nr ? "NR_RCPT|HDR|EOH|BODY" : "replies at every step", us);
  }
}

}  // namespace
