// SPDX-License-Identifier: BSD-2-Clause
// tests/integration/spf_daemon_test.cpp: the real cachet-spf binary as a socket server
// (`Socket`), against the project's DNS server on 127.0.0.1 (never the system resolver):
// several concurrent connections while some names time out or answer SERVFAIL (temperror,
// answered per TempError_Defer, never a pass), and SIGHUP reloads (main file and Per_User
// file) taking effect on an open connection, a broken file keeping the old config.
// Every process is killed by pid (DaemonProcess); every wait is for a condition.
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/dns/zone_resolver.hpp"
#include "tests/lib/daemon_process.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/policy_client.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::testlib {
namespace {

using namespace std::chrono_literals;

const std::string kSpf = std::string(CACHET_BIN_DIR) + "/cachet-spf";

class SpfDaemon : public ::testing::Test {
 protected:
  SpfDaemon() : dir_("cachet-spf-it") {
    zone_.add("mx.none.example", dns::RrType::a, "192.0.2.99");
    zone_.add_txt("pass.example", {"v=spf1 ip4:192.0.2.1 -all"});
    zone_.add_txt("softfail.example", {"v=spf1 ~all"});
    zone_.add_txt("slow.example", {"v=spf1 -all"});
    zone_.set_timeout("slow.example");
    zone_.add_txt("broken.example", {"v=spf1 -all"});
    zone_.set_servfail("broken.example");
    // A pass that depends on a name whose server fails: still temperror, never pass.
    zone_.add_txt("inc.example", {"v=spf1 include:broken-inc.example ip4:192.0.2.1 -all"});
    zone_.add_txt("broken-inc.example", {"v=spf1 ip4:192.0.2.1 -all"});
    zone_.set_servfail("broken-inc.example");
    EXPECT_TRUE(dns_.start("127.0.0.1").has_value());
    socket_ = dir_.file("spf.sock");
  }

  // The policyd-spf dialect, with our Socket / Nameservers / DNSTimeout.
  std::string write_config(std::string_view extra) {
    return dir_.write("spf.conf", "debugLevel = 1\nSocket = unix:" + socket_ + "\nNameservers = " + dns_.nameserver() +
                                      "\nDNSTimeout = 1\nLookup_Time = 10\n" + std::string(extra));
  }

  std::unique_ptr<DaemonProcess> start(std::string_view extra) {
    const std::string conf = write_config(extra);
    auto p = std::make_unique<DaemonProcess>(std::vector<std::string>{kSpf, "-f", conf}, dir_.file("daemon.log"));
    const bool up = eventually([&] { return p->alive() && PolicyClient::connect_unix(socket_).has_value(); });
    EXPECT_TRUE(up) << p->log();
    return p;
  }

  // One request on `c` with a fresh instance; the action, or a description of what
  // came back instead.
  std::string ask(PolicyClient& c, std::string_view sender, std::string_view recipient = "rcpt@dest.example") {
    const std::string instance = "it." + std::to_string(++serial_);
    const std::vector<policy::Attribute> req{{"request", "smtpd_access_policy"},
                                             {"protocol_state", "RCPT"},
                                             {"protocol_name", "ESMTP"},
                                             {"helo_name", "mx.none.example"},
                                             {"queue_id", "QID"},
                                             {"sender", sender},
                                             {"recipient", recipient},
                                             {"client_address", "192.0.2.1"},
                                             {"instance", instance}};
    auto reply = c.ask(req, 15s);
    if (!reply) return "error: " + reply.error().detail;
    if (reply->status != ReplyStatus::action) return "no reply";
    return std::string(reply->action);
  }

  testlib::TempDir dir_;
  dns::ZoneResolver zone_;
  testlib::DnsServer dns_{zone_};
  std::string socket_;
  std::atomic<int> serial_{0};
};

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

TEST_F(SpfDaemon, ConcurrentConnectionsGetTemperrorNeverPassOnDnsFailure) {
  auto d = start("TempError_Defer = True\n");
  constexpr int kConnections = 4;
  const std::vector<std::string> senders = {"u@pass.example", "u@slow.example", "u@broken.example", "u@inc.example"};
  std::vector<std::vector<std::string>> answers(kConnections);
  std::vector<std::thread> threads;
  for (int i = 0; i < kConnections; ++i) {
    threads.emplace_back([&, i] {
      auto c = PolicyClient::connect_unix(socket_);
      if (!c) {
        answers[i].push_back("connect: " + c.error().detail);
        return;
      }
      // Each connection walks the senders from a different start, so failing and passing
      // lookups overlap in time across connections.
      for (std::size_t k = 0; k < senders.size(); ++k) {
        answers[i].push_back(ask(*c, senders[(k + static_cast<std::size_t>(i)) % senders.size()]));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_EQ(answers[i].size(), senders.size()) << answers[i].front();
    for (std::size_t k = 0; k < senders.size(); ++k) {
      const std::string& sender = senders[(k + static_cast<std::size_t>(i)) % senders.size()];
      const std::string& got = answers[i][k];
      if (sender == "u@pass.example") {
        EXPECT_TRUE(starts_with(got, "prepend Received-SPF: Pass (mailfrom)")) << got;
      } else {
        EXPECT_TRUE(starts_with(got,
                                "defer_if_permit 4.7.24 Message deferred due to: SPF "
                                "Temporary Error"))
            << sender << ": " << got;
      }
    }
  }
  const std::string log = d->log();
  EXPECT_NE(log.find("result=temperror"), std::string::npos) << log;
}

TEST_F(SpfDaemon, TempErrorWithoutDeferIsAHeaderNotAPass) {
  auto d = start("");
  auto c = PolicyClient::connect_unix(socket_);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(starts_with(ask(*c, "u@broken.example"), "prepend Received-SPF: Temperror"));
  EXPECT_TRUE(starts_with(ask(*c, "u@inc.example"), "prepend Received-SPF: Temperror"));
}

TEST_F(SpfDaemon, SighupReloadAppliesToAnOpenConnectionAndABadFileKeepsTheOld) {
  auto d = start("");
  auto c = PolicyClient::connect_unix(socket_);
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(starts_with(ask(*c, "u@softfail.example"), "prepend Received-SPF: Softfail"));
  write_config("Mail_From_reject = Softfail\n");
  d->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return starts_with(ask(*c, "u@softfail.example"), "550 5.7.23"); })) << d->log();
  write_config("Mail_From_reject = Softfail\nNo_Such_Option = 1\n");
  d->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return d->log().find("config.reload_failed") != std::string::npos; })) << d->log();
  EXPECT_NE(d->log().find("No_Such_Option"), std::string::npos) << d->log();
  EXPECT_TRUE(starts_with(ask(*c, "u@softfail.example"), "550 5.7.23"));
  EXPECT_TRUE(d->alive());
}

TEST_F(SpfDaemon, PerUserFileIsReadAtStartAndOnSighup) {
  const std::string users = dir_.write("userconf", "strict@dest.example,Mail_From_reject=Softfail\n");
  auto d = start("Per_User = text," + users + "\n");
  auto c = PolicyClient::connect_unix(socket_);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(starts_with(ask(*c, "u@softfail.example", "strict@dest.example"), "550 5.7.23"));
  EXPECT_TRUE(starts_with(ask(*c, "u@softfail.example", "other@dest.example"), "prepend"));
  dir_.write("userconf", "other@dest.example,Mail_From_reject=Softfail\n");
  d->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] {
    return starts_with(ask(*c, "u@softfail.example", "other@dest.example"), "550 5.7.23");
  })) << d->log();
  EXPECT_TRUE(starts_with(ask(*c, "u@softfail.example", "strict@dest.example"), "prepend"));
  // A malformed per-user file: logged with file:line, the previous table stays.
  dir_.write("userconf", "other@dest.example Mail_From_reject=Softfail\n");
  d->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return d->log().find(users + ":1:") != std::string::npos; })) << d->log();
  EXPECT_TRUE(starts_with(ask(*c, "u@softfail.example", "other@dest.example"), "550 5.7.23"));
  EXPECT_TRUE(d->alive());
}

TEST_F(SpfDaemon, CheckConfigListsPerUserProblemsWithFileAndLine) {
  const std::string users = dir_.write("userconf",
                                       "# users\nok@dest.example,PermError_reject=True\nbroken\n"
                                       "x@dest.example,Frobnicate=1\n");
  const std::string conf = write_config("Per_User = text," + users + "\n");
  DaemonProcess p({kSpf, "--check-config", conf}, dir_.file("check.log"));
  EXPECT_EQ(p.wait_exit(), 78) << p.log();
  EXPECT_NE(p.log().find(users + ":3: no ','"), std::string::npos) << p.log();
  EXPECT_NE(p.log().find(users + ":4: Frobnicate: unknown option"), std::string::npos) << p.log();
}

}  // namespace
}  // namespace cachet::testlib
