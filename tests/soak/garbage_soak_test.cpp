// SPDX-License-Identifier: BSD-2-Clause
//
// tests/soak/garbage_soak_test.cpp: the four daemons on their sockets, each fed garbage
// (random bytes, truncated and oversized milter packets, endless policy lines, requests cut
// off before their blank line, connections dropped mid-packet) by some threads while other
// threads send clean traffic to every daemon at the same time. Every clean operation must
// get its normal answer (signed; Authentication-Results; an SPF action; a sender verdict)
// and every daemon must still run at the end. Garbage is seeded per thread, so a failing
// run can be replayed with the same bytes.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"
#include "common/policy/request.hpp"
#include "tests/lib/dkim_keys.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/lib/policy_client.hpp"
#include "tests/soak/soak.hpp"

namespace cachet::testlib {
namespace {

using namespace std::chrono_literals;

std::string random_bytes(std::mt19937& rng, std::size_t max) {
  std::string out(std::uniform_int_distribution<std::size_t>(1, max)(rng), '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// A milter packet header: 4-byte big-endian length, then the command.
std::string packet_head(std::uint32_t length, char command) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(length >> (24 - 8 * i));
  return out + command;
}

class GarbageSoak : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns_.start());
    const DkimTestKey key = make_dkim_key(crypto::KeyType::ed25519);
    zone_.add_txt("sel._domainkey.example.com", txt_chunks(key.record));
    zone_.add_txt("_dmarc.example.org", {"v=DMARC1; p=none"});
    zone_.add_txt("pass.example", {"v=spf1 ip4:192.0.2.1 -all"});
    const std::string key_file = daemons_.dir.write("dkim.private", key.pem);
    const std::string ns = dns_.nameserver();
    const std::string map = daemons_.dir.write("sendas.pcre", "/^(.+)@example\\.test$/ ${1}\n");
    const std::string main_cf =
        daemons_.dir.write("main.cf", "myhostname = mail.example.test\nsmtpd_sender_login_maps = pcre:" + map + "\n");

    start("dkim", {SoakDaemons::bin("cachet-dkim"), "-f", "-x"},
          "Socket local:" + sock("dkim") + "\nNameservers " + ns + "\nDomain example.com\nSelector sel\nKeyFile " +
              key_file + "\nRequireSafeKeys false\n");
    start("dmarc", {SoakDaemons::bin("cachet-dmarc"), "-f", "-c"},
          "Socket unix:" + sock("dmarc") + "\nNameservers " + ns + "\nDNSTimeout 1\nHistoryDatabase " +
              daemons_.dir.file("history.sqlite") + "\n");
    start("spf", {SoakDaemons::bin("cachet-spf"), "-f"},
          "Socket = unix:" + sock("spf") + "\nNameservers = " + ns + "\nDNSTimeout = 1\n");
    start("sender", {SoakDaemons::bin("cachet-sender"), "-f", "-c"},
          "Socket local:" + sock("sender") + "\nPostfixMainCf " + main_cf + "\n");
  }

  std::string sock(const std::string& name) const { return daemons_.sock(name); }
  void start(const std::string& name, std::vector<std::string> argv, const std::string& config) {
    ASSERT_NE(daemons_.start(name, std::move(argv), config), nullptr) << name << ": " << daemons_.all.back()->log();
  }

  // One clean operation against daemon `which` (0..3); "" or why it failed.
  std::string clean(int which, long n) {
    if (which < 2) {
      Message m;
      m.client_addr = which == 0 ? "127.0.0.1" : "192.0.2.1";
      m.macros = {{"j", "mx.test"}, {"i", "CLEAN" + std::to_string(n)}};
      m.headers = {{"From", which == 0 ? " a@example.com" : " a@example.org"}, {"Subject", " clean"}};
      m.body = "clean\r\n";
      MilterClient c;
      if (auto r = c.connect("unix:" + sock(which == 0 ? "dkim" : "dmarc")); !r) return "connect: " + r.error().detail;
      auto t = c.send_message(m);
      if (!t) return "milter: " + t.error().detail;
      const char* want = which == 0 ? "DKIM-Signature" : "Authentication-Results";
      return t->accepted() && t->find('i', want) ? "" : std::string("no ") + want;
    }
    auto c = PolicyClient::connect_unix(sock(which == 2 ? "spf" : "sender"));
    if (!c) return "connect: " + c.error().detail;
    std::vector<policy::Attribute> req{{"request", "smtpd_access_policy"},    {"protocol_state", "RCPT"},
                                       {"instance", "c" + std::to_string(n)}, {"client_address", "192.0.2.1"},
                                       {"helo_name", "mx.pass.example"},      {"recipient", "r@example.test"}};
    req.push_back({"sender", which == 2 ? "u@pass.example" : "alice@example.test"});
    if (which == 3) req.push_back({"sasl_username", "alice"});
    auto reply = c->ask(req, 10s);
    if (!reply) return "policy: " + reply.error().detail;
    if (reply->status != ReplyStatus::action) return "no policy reply";
    return "";
  }

  // One connection of garbage to daemon `which`.
  void garbage(int which, std::mt19937& rng) {
    const int kind = static_cast<int>(rng() % 4);
    if (which < 2) {
      MilterClient c(ClientOptions{.timeout_ms = 200});
      if (!c.connect("unix:" + sock(which == 0 ? "dkim" : "dmarc"))) return;
      switch (kind) {
        case 0: (void)c.send_raw(random_bytes(rng, 4096)); break;
        case 1: (void)c.send_raw(packet_head(1000, 'O') + random_bytes(rng, 100)); break;  // cut short
        case 2: (void)c.send_raw(packet_head(0xffffffffu, 'B')); break;                    // oversized
        default:
          if (c.negotiate()) (void)c.send_raw(packet_head(50, 'H') + random_bytes(rng, 200));
      }
      return;  // the destructor closes: the daemon sees the connection vanish
    }
    auto c = PolicyClient::connect_unix(sock(which == 2 ? "spf" : "sender"));
    if (!c) return;
    switch (kind) {
      case 0: (void)c->send_raw(random_bytes(rng, 4096), 200ms); break;
      case 1: (void)c->send_raw(std::string(100000, 'a'), 200ms); break;                     // no end of line
      case 2: (void)c->send_raw("request=smtpd_access_policy\nsender=a@b\n", 200ms); break;  // no blank line
      default: (void)c->send_raw(std::string(2000, '\n') + "=\n=\n\n", 200ms);
    }
  }

  SoakDaemons daemons_{"cachet-soak-garbage"};
  dns::ZoneResolver zone_;
  testlib::DnsServer dns_{zone_};
};

TEST_F(GarbageSoak, CleanTrafficIsAnsweredWhileEverySocketGetsGarbage) {
  std::vector<long> rss_start;
  for (auto& d : daemons_.all) rss_start.push_back(rss_kib(d->pid()));
  std::atomic<long> serial{0}, garbage_sent{0};
  Tally tally;
  const auto started = std::chrono::steady_clock::now();
  run_load(soak_seconds(), 8, tally, [&](int thread, Tally& t) {
    const long n = serial++;
    if (thread % 2 == 1) {
      thread_local std::mt19937 rng(static_cast<unsigned>(thread));
      garbage(static_cast<int>(n % 4), rng);
      ++garbage_sent;
      return;
    }
    const std::string why = clean(static_cast<int>(n % 4), n);
    why.empty() ? t.ok() : t.fail("daemon " + std::to_string(n % 4) + ": " + why);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  long rss_end_sum = 0, rss_start_sum = 0;
  for (std::size_t i = 0; i < daemons_.all.size(); ++i) {
    EXPECT_TRUE(daemons_.all[i]->alive()) << daemons_.all[i]->log();
    rss_end_sum += rss_kib(daemons_.all[i]->pid());
    rss_start_sum += rss_start[i];
  }
  print_figures("garbage", seconds, tally.oks() + tally.failures(), tally.failures(), rss_start_sum, rss_end_sum,
                "garbage_connections=" + std::to_string(garbage_sent.load()));
  EXPECT_EQ(tally.failures(), 0) << tally.reasons();
  EXPECT_GT(tally.oks(), 0);
}

}  // namespace
}  // namespace cachet::testlib
