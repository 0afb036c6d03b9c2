// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_milter_test.cpp: the real cachet-dmarc binary (build/bin), driven
// by the project's milter client, with DMARC records served by a loopback DnsServer. One
// daemon per test in a temp dir, killed by pid in TearDown; every wait polls a condition.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/dmarc/history.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using cachet::testlib::Message;
using cachet::testlib::MilterClient;
using cachet::testlib::Transaction;

template <class F>
bool eventually(F cond, int timeout_ms = 10000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t i = 0; (i = hay.find(needle, i)) != std::string::npos; i += needle.size()) ++n;
  return n;
}

class DmarcMilter : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_.add_txt("_dmarc.reject.example", {"v=DMARC1; p=reject"});
    zone_.add_txt("_dmarc.none.example", {"v=DMARC1; p=none"});
    zone_.add("reject.example", cachet::dns::RrType::a, "192.0.2.1");
    zone_.set_timeout("_dmarc.slow.example");
    ASSERT_TRUE(dns_.start());
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    dns_.stop();
  }
  std::string socket() const { return dir_.file("dmarc.sock"); }
  std::string config(const std::string& extra) const {
    return "Socket unix:" + socket() + "\nNameservers " + dns_.nameserver() + "\nDNSTimeout 1\nHistoryDatabase " +
           history() + "\n" + extra;
  }
  void start(const std::string& extra = "") {
    conf_ = dir_.write("dmarc.conf", config(extra));
    log_ = dir_.file("dmarc.log");
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 2);
      ::dup2(fd, 1);
      const std::string bin = std::string(CACHET_BIN_DIR) + "/cachet-dmarc";
      ::execl(bin.c_str(), bin.c_str(), "-f", "-c", conf_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_TRUE(eventually([&] {
      MilterClient probe;
      return probe.connect("unix:" + socket()).has_value();
    })) << log();
  }
  std::string log() const { return slurp(log_); }
  std::string history() const { return dir_.file("history.sqlite"); }
  static Message message(const std::string& from, const std::vector<std::pair<std::string, std::string>>& extra = {}) {
    Message m;
    m.macros = {{"j", "mx.test"}, {"i", "QID1"}};
    m.mail = {"<bounce@reject.example>"};
    m.headers = extra;
    m.headers.emplace_back("From", " " + from);
    m.headers.emplace_back("Subject", " test");
    m.body = "hello\r\n";
    return m;
  }
  Transaction send(const Message& m) {
    MilterClient c;
    EXPECT_TRUE(c.connect("unix:" + socket()));
    auto t = c.send_message(m);
    EXPECT_TRUE(t) << (t ? "" : t.error().detail);
    return t ? *t : Transaction{};
  }
  static std::string ar(const Transaction& t) {
    const auto* r = t.find('i', "Authentication-Results");
    return r ? r->value : std::string("<none>");
  }

  cachet::test::TempDir dir_{"cachet-dmarc"};
  cachet::dns::ZoneResolver zone_;
  cachet::test::DnsServer dns_{zone_};
  std::string conf_, log_;
  pid_t pid_ = -1;
};

TEST_F(DmarcMilter, PassWithTrustedAuthResults) {
  start();
  const Transaction t = send(message("a@reject.example", {{"Authentication-Results", " mx.test; dkim=pass header.d=reject.example"}}));
  EXPECT_TRUE(t.accepted());
  EXPECT_NE(ar(t).find("mx.test; dmarc=pass (p=reject dis=none) header.from=reject.example"), std::string::npos) << ar(t);
  EXPECT_TRUE(eventually([&] { return log().find("dmarc.result qid=QID1 from=reject.example result=pass") != std::string::npos; })) << log();
}

TEST_F(DmarcMilter, HistoryFeedsTheAggregateReport) {
  start();
  (void)send(message("a@reject.example", {{"Authentication-Results", " mx.test; dkim=pass header.d=reject.example"}}));
  ASSERT_TRUE(eventually([&] { return log().find("dmarc.result qid=QID1") != std::string::npos; })) << log();
  cachet::dmarc::SqliteHistoryStore store(history());
  auto rows = store.range(0, 4102444800);
  ASSERT_TRUE(rows) << rows.error().detail;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].result, "pass");
  EXPECT_TRUE((*rows)[0].dkim_aligned);
  const std::string cmd = std::string(CACHET_BIN_DIR) + "/cachetctl dmarc-report --db " + history() +
                          " --from 0 --to 4102444800 --org Test --email dmarc@mx.test";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << out;
  EXPECT_NE(out.find("<header_from>reject.example</header_from>"), std::string::npos) << out;
  EXPECT_NE(out.find("<domain>reject.example</domain>\n        <result>pass</result>"), std::string::npos) << out;
}

TEST_F(DmarcMilter, FailAddsFieldOnlyByDefault) {
  start();
  const Transaction t = send(message("a@reject.example"));
  EXPECT_TRUE(t.accepted());
  EXPECT_NE(ar(t).find("dmarc=fail (p=reject dis=none) header.from=reject.example"), std::string::npos) << ar(t);
}

TEST_F(DmarcMilter, RejectFailuresRefuses) {
  start("RejectFailures yes\n");
  const Transaction t = send(message("a@reject.example"));
  EXPECT_EQ(t.final_command, 'y');
  EXPECT_NE(t.reply_text.find("550 5.7.1 rejected by DMARC policy for reject.example"), std::string::npos) << t.reply_text;
}

TEST_F(DmarcMilter, UntrustedAuthResultsIgnored) {
  start();
  const Transaction t = send(message("a@reject.example", {{"Authentication-Results", " evil.example; dkim=pass header.d=reject.example"}}));
  EXPECT_NE(ar(t).find("dmarc=fail"), std::string::npos) << ar(t);
}

TEST_F(DmarcMilter, ForgedReceivedSpfIgnored) {
  start();
  const Transaction t = send(message("a@reject.example", {{"Received-SPF", " Pass identity=helo; helo=reject.example; envelope-from=bounce@reject.example"}}));
  EXPECT_NE(ar(t).find("dmarc=fail"), std::string::npos) << ar(t);
}

TEST_F(DmarcMilter, MultiDomainFromNotAPass) {
  start();
  const Transaction t = send(message("ceo@reject.example, x@attacker.example",
                                     {{"Authentication-Results", " mx.test; dkim=pass header.d=attacker.example"}}));
  EXPECT_EQ(ar(t).find("dmarc=pass"), std::string::npos) << ar(t);
}

TEST_F(DmarcMilter, DnsTimeoutIsTemperror) {
  start();
  const Transaction t = send(message("a@slow.example", {{"Authentication-Results", " mx.test; dkim=pass header.d=slow.example"}}));
  EXPECT_TRUE(t.accepted());
  EXPECT_NE(ar(t).find("dmarc=temperror"), std::string::npos) << ar(t);
}

TEST_F(DmarcMilter, ReloadTurnsEnforcementOn) {
  start();
  EXPECT_TRUE(send(message("a@reject.example")).accepted());
  std::ofstream(conf_) << config("RejectFailures yes\n");
  ::kill(pid_, SIGHUP);
  ASSERT_TRUE(eventually([&] { return count(log(), "dmarc.state_loaded") >= 2; })) << log();
  EXPECT_EQ(send(message("a@reject.example")).final_command, 'y');
}

}  // namespace
