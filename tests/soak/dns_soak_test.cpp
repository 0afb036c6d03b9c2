// SPDX-License-Identifier: BSD-2-Clause
//
// tests/soak/dns_soak_test.cpp: DNS that never answers, under load. cachet-spf (socket
// server), cachet-dkim (verifying) and cachet-dmarc ask a loopback DnsServer whose answers
// for the names they need are dropped. For the first half of the run nothing may pass
// (no SPF "pass", no dkim=pass, no dmarc=pass) and every request must still be answered
// (no hang: each within the client's timeout). Then the server answers again and, once
// the daemons have seen it (waited for as a condition), every request must pass.
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

class DeadDnsSoak : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns_.start());
    const DkimTestKey key = make_dkim_key(crypto::KeyType::ed25519);
    zone_.add_txt("sel._domainkey.example.org", txt_chunks(key.record));
    zone_.add_txt("_dmarc.example.org", {"v=DMARC1; p=reject"});
    zone_.add_txt("example.org", {"v=spf1 ip4:192.0.2.1 -all"});
    const std::string ns = dns_.nameserver();
    const std::string key_file = daemons_.dir.write("dkim.private", key.pem);
    start("dkim", {SoakDaemons::bin("cachet-dkim"), "-f", "-x"},
          "Socket local:" + sock("dkim") + "\nNameservers " + ns +
              "\nDNSTimeout 1\nDomain example.org\n"
              "Selector sel\nKeyFile " +
              key_file + "\nRequireSafeKeys false\nAuthservID mx.test\n");
    start("dmarc", {SoakDaemons::bin("cachet-dmarc"), "-f", "-c"},
          "Socket unix:" + sock("dmarc") + "\nNameservers " + ns +
              "\nDNSTimeout 1\nAuthservID mx.test\n"
              "HistoryDatabase " +
              daemons_.dir.file("history.sqlite") + "\n");
    start("spf", {SoakDaemons::bin("cachet-spf"), "-f"},
          "Socket = unix:" + sock("spf") + "\nNameservers = " + ns + "\nDNSTimeout = 1\nLookup_Time = 10\n");
  }

  std::string sock(const std::string& name) const { return daemons_.sock(name); }
  void start(const std::string& name, std::vector<std::string> argv, const std::string& config) {
    ASSERT_NE(daemons_.start(name, std::move(argv), config), nullptr) << name << ": " << daemons_.all.back()->log();
  }
  void set_dead(bool dead) {
    if (!dead) return zone_.clear_faults();
    for (const char* name : {"sel._domainkey.example.org", "_dmarc.example.org", "example.org"})
      zone_.set_timeout(name);
  }

  // The SPF action for a fresh request, or "error: …".
  std::string spf(long n) {
    auto c = PolicyClient::connect_unix(sock("spf"));
    if (!c) return "error: connect: " + c.error().detail;
    const std::vector<policy::Attribute> req{{"request", "smtpd_access_policy"},    {"protocol_state", "RCPT"},
                                             {"instance", "d" + std::to_string(n)}, {"client_address", "192.0.2.1"},
                                             {"helo_name", "mx.example.org"},       {"sender", "u@example.org"},
                                             {"recipient", "r@dest.example"}};
    auto reply = c->ask(req, 15s);
    if (!reply) return "error: " + reply.error().detail;
    if (reply->status != ReplyStatus::action) return "error: no reply";
    return std::string(reply->action);
  }
  // The Authentication-Results the milter added, how it refused the message, or "error: …".
  std::string milter(const std::string& name, const Message& m) {
    MilterClient c(ClientOptions{.timeout_ms = 15000});
    if (auto r = c.connect("unix:" + sock(name)); !r) return "error: connect: " + r.error().detail;
    auto t = c.send_message(m);
    if (!t) return "error: " + t.error().detail;
    // A temporary failure (On-DNSError tempfail) is a right answer while DNS is dead.
    if (!t->accepted()) return std::string("refused with '") + t->final_command + "'";
    if (const auto* ar = t->find('i', "Authentication-Results")) return ar->value;
    return "no Authentication-Results";
  }
  Message signed_message(long n) {
    Message m;
    m.macros = {{"j", "mx.test"}, {"i", "DNS" + std::to_string(n)}};
    m.headers = {{"From", " u@example.org"}, {"Subject", " dns"}};  // as signed
    m.body = "dns\r\n";
    if (signature_.empty()) {
      m.client_addr = "127.0.0.1";
      MilterClient c;
      if (c.connect("unix:" + sock("dkim")))
        if (auto t = c.send_message(m); t && t->find('i', "DKIM-Signature"))
          signature_ = t->find('i', "DKIM-Signature")->value;
      m.macros["i"] += "v";
    }
    m.client_addr = "192.0.2.1";
    m.headers.insert(m.headers.begin(), {"DKIM-Signature", signature_});
    return m;
  }
  // One request to one daemon; "" when its answer is right for the DNS state.
  std::string check(int which, long n, bool dead) {
    std::string got;
    bool passed = false;
    if (which == 0) {
      got = spf(n);
      passed = got.rfind("prepend Received-SPF: Pass", 0) == 0;
    } else if (which == 1) {
      got = milter("dkim", signed_message(n));
      passed = got.find("dkim=pass") != std::string::npos;
    } else {
      Message m = signed_message(n);
      m.headers.insert(
          m.headers.begin(),
          {"Authentication-Results", " mx.test; dkim=pass header.d=example.org; spf=pass smtp.mailfrom=u@example.org"});
      got = milter("dmarc", m);
      passed = got.find("dmarc=pass") != std::string::npos;
    }
    if (got.rfind("error:", 0) == 0) return got;
    if (dead && passed) return "passed while DNS was dead: " + got;
    if (!dead && !passed) return "did not pass once DNS was back: " + got;
    return "";
  }

  SoakDaemons daemons_{"cachet-soak-dns"};
  dns::ZoneResolver zone_;
  testlib::DnsServer dns_{zone_};
  std::string signature_;  // made once, by the first signed_message()
};

TEST_F(DeadDnsSoak, NothingPassesNothingHangsAndAllRecovers) {
  std::atomic<long> serial{0};
  // Dead from the start: nothing the daemons need is in their caches. Signing needs no DNS.
  set_dead(true);
  (void)signed_message(serial++);
  ASSERT_FALSE(signature_.empty()) << daemons_.all[0]->log();
  Tally dead, back;
  const auto half = soak_seconds() / 2 + 1s;
  const auto started = std::chrono::steady_clock::now();
  run_load(half, 6, dead, [&](int thread, Tally& t) {
    const std::string why = check(thread % 3, serial++, true);
    why.empty() ? t.ok() : t.fail(why);
  });
  set_dead(false);
  // The daemons may hold a lookup that started while DNS was dead: wait until each passes.
  for (int which = 0; which < 3; ++which)
    EXPECT_TRUE(eventually([&] { return check(which, serial++, false).empty(); }, 30s))
        << "daemon " << which << " did not recover: " << check(which, serial++, false);
  run_load(half, 6, back, [&](int thread, Tally& t) {
    const std::string why = check(thread % 3, serial++, false);
    why.empty() ? t.ok() : t.fail(why);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_figures("dead_dns", seconds, dead.oks() + dead.failures() + back.oks() + back.failures(),
                dead.failures() + back.failures(), -1, -1,
                "answered_while_dead=" + std::to_string(dead.oks()) + " passed_after=" + std::to_string(back.oks()));
  EXPECT_EQ(dead.failures(), 0) << dead.reasons();
  EXPECT_EQ(back.failures(), 0) << back.reasons();
  EXPECT_GT(dead.oks(), 0);
  EXPECT_GT(back.oks(), 0);
  for (auto& d : daemons_.all) EXPECT_TRUE(d->alive()) << d->log();
}

}  // namespace
}  // namespace cachet::testlib
