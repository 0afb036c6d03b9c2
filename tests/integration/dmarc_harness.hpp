// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_harness.hpp: the real cachet-dmarc binary (build/bin) in a temp
// dir for integration tests: DMARC records served by a loopback DnsServer, a config
// written from the test's extra lines, the daemon run by tests/lib's DaemonProcess (killed
// by pid when the harness goes), messages sent with the project's MilterClient. Every wait
// polls a condition (testlib::eventually). Header-only; one harness per test.
#pragma once

#include <signal.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"
#include "tests/lib/daemon_process.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::testlib {

class DmarcHarness {
 public:
  DmarcHarness() {
    zone.add_txt("_dmarc.reject.example", {"v=DMARC1; p=reject; rua=mailto:agg@reject.example"});
    zone.add_txt("_dmarc.none.example", {"v=DMARC1; p=none"});
    zone.add("reject.example", dns::RrType::a, "192.0.2.1");
    zone.set_timeout("_dmarc.slow.example");
    history_database = dir.file("history.sqlite");
  }

  // Call from the test body (uses ASSERT).
  void start_dns() { ASSERT_TRUE(dns.start()); }

  std::string socket() const { return dir.file("dmarc.sock"); }
  std::string config(const std::string& extra) const {
    return "Socket unix:" + socket() + "\nNameservers " + dns.nameserver() + "\nDNSTimeout 1\nHistoryDatabase " +
           history_database + "\n" + extra;
  }
  // Writes the config and starts the daemon in the foreground; returns once it accepts.
  void start(const std::string& extra = "") {
    if (dns.port() == 0) start_dns();
    conf = dir.write("dmarc.conf", config(extra));
    daemon = std::make_unique<DaemonProcess>(
        std::vector<std::string>{std::string(CACHET_BIN_DIR) + "/cachet-dmarc", "-f", "-c", conf},
        dir.file("dmarc.log"));
    ASSERT_TRUE(eventually([&] {
      MilterClient probe;
      return probe.connect("unix:" + socket()).has_value();
    })) << log();
  }
  void reload(const std::string& extra) {
    dir.write("dmarc.conf", config(extra));
    daemon->signal(SIGHUP);
  }
  std::string log() const { return daemon ? daemon->log() : std::string(); }
  bool log_has(const std::string& needle) const {
    return eventually([&] { return log().find(needle) != std::string::npos; });
  }

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

  testlib::TempDir dir{"cachet-dmarc"};
  dns::ZoneResolver zone;
  testlib::DnsServer dns{zone};
  std::string history_database;  // HistoryDatabase of config(); default: a SQLite file in dir
  std::string conf;
  std::unique_ptr<DaemonProcess> daemon;
};

}  // namespace cachet::testlib
