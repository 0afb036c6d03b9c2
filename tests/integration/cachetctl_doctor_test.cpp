// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/cachetctl_doctor_test.cpp: the real `cachetctl doctor` against a
// loopback DNS server (good and broken records), a main.cf and a dkim.conf with keys made
// by keygen: each ✓ and ✗ with its fix line, the exit status, and the JSON output naming
// the same findings as the text. No other nameserver is ever asked (-n only).
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/dkim/key_zone.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/daemon_process.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

using cachet::dns::RrType;

const std::string kCtl = std::string(CACHET_BIN_DIR) + "/cachetctl";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    out.push_back(text.substr(at, nl - at));
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

class Doctor : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start().has_value());
    ASSERT_EQ(keygen("good"), 0);
    ASSERT_EQ(keygen("wrong"), 0);
    ASSERT_EQ(keygen("other"), 0);
    zone_.add_mx("example.com", 10, "mail.example.com");
    zone_.add("mail.example.com", RrType::a, "192.0.2.25");
    zone_.add("25.2.0.192.in-addr.arpa", RrType::ptr, "mail.example.com");
    zone_.add_txt("example.com", {"v=spf1 mx -all"});
    zone_.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject; rua=mailto:d@reports.example.net"});
    publish("good", "good");
    publish("wrong", "other");  // the record of another key
    dir_.write("KeyTable", "k1 example.com:good:" + dir_.file("good.private") +
                               "\nk2 example.com:wrong:" + dir_.file("wrong.private") + "\n");
    dir_.write("dkim.conf", "KeyTable file:" + dir_.file("KeyTable") + "\nDomain example.com\n");
    dir_.write("master.cf", "smtp inet n - y - - smtpd\n");
    dir_.write("main.cf",
               "myhostname = mail.example.com\n"
               "smtpd_milters = unix:" +
                   dir_.file("nosuch.sock") +
                   "\n"
                   "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,\n"
                   "    check_policy_service unix:private/policy-spf\n"
                   "smtpd_tls_cert_file = " +
                   dir_.file("cert.pem") + "\n");
    auto cert = cachet::testlib::run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                              "-days", "30", "-subj", "/CN=mail.example.com", "-keyout",
                                              dir_.file("key.pem"), "-out", dir_.file("cert.pem")});
    ASSERT_TRUE(cert && cert->exit_code == 0);
  }
  int keygen(const std::string& sel) {
    auto r = cachet::testlib::run_command({kCtl, "keygen", "-D", dir_.path(), "-s", sel, "-d", "example.com"});
    return r ? r->exit_code : -1;
  }
  void publish(const std::string& selector, const std::string& key) {
    auto r = cachet::testlib::run_command({"/bin/cat", dir_.file(key + ".txt")});
    ASSERT_TRUE(r);
    auto entry = cachet::dkim::parse_key_zone(r->out);
    ASSERT_TRUE(entry.has_value());
    zone_.add_txt(selector + "._domainkey.example.com", entry->strings);
  }
  cachet::testlib::CommandResult doctor(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{kCtl,
                                  "doctor",
                                  "-d",
                                  "example.com",
                                  "-n",
                                  server_.nameserver(),
                                  "--dkim-config",
                                  dir_.file("dkim.conf"),
                                  "--dmarc-config",
                                  dir_.file("none.conf"),
                                  "--postfix-dir",
                                  dir_.path(),
                                  "--sbin-dir",
                                  dir_.file("no-sbin")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = cachet::testlib::run_command(argv);
    EXPECT_TRUE(r);
    return r ? *r : cachet::testlib::CommandResult{};
  }
  cachet::dns::ZoneResolver zone_;
  cachet::testlib::DnsServer server_{zone_};
  cachet::testlib::TempDir dir_{"cachet-doctor"};
};

TEST_F(Doctor, FindsEachProblemWithItsFix) {
  const auto r = doctor();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::string d = dir_.path();
  EXPECT_EQ(
      lines_of(r.out),
      (std::vector<std::string>{
          "\u2713 dns.mx                  MX 10 mail.example.com -> 192.0.2.25",
          "\u2713 dns.ptr                 PTR of 192.0.2.25 is mail.example.com, forward-confirmed",
          "\u2713 dns.spf                 SPF record: v=spf1 mx -all",
          "\u2713 dns.spf.lookups         1 DNS lookups, 0 void",
          "\u2713 dns.spf.ip              192.0.2.25 passes SPF for example.com",
          "\u2713 dkim.key                good._domainkey.example.com matches the private key (KeyTable k1)",
          "\u2717 dkim.key                wrong._domainkey.example.com: keys do not match with the private key "
          "(KeyTable k2)",
          "    fix: publish the public half of this private key (cachetctl keygen printed it), or sign with the key "
          "that is published",
          "\u2713 dns.dmarc               DMARC record: v=DMARC1; p=reject; rua=mailto:d@reports.example.net",
          "\u2713 dns.dmarc.policy        p=reject",
          "\u2717 dns.dmarc.rua           report target reports.example.net has not authorized reports for example.com "
          "(RFC 7489 s7.1): receivers send it nothing",
          "    fix: ask reports.example.net to publish `example.com._report._dmarc.reports.example.net. IN TXT "
          "\"v=DMARC1\"`, or send reports to an address in example.com",
          "\u2717 postfix.milters         " + d + "/main.cf:2: smtpd_milters: " + d + "/nosuch.sock does not exist",
          "    fix: start the milter that listens there (systemctl status cachet-dkim / cachet-dmarc), or correct the "
          "path",
          "\u2713 postfix.milter_default  milter_default_action = tempfail (Postfix's default): mail waits while a "
          "milter is down",
          "\u2713 postfix.spf_order       SPF policy service (unix:private/policy-spf) after reject_unauth_destination",
          "\u2713 postfix.tls_cert        " + d + "/cert.pem valid for 30 more days",
          "\u2717 postfix.spf_spawn       " + d + "/master.cf has no `policy-spf unix` service",
          "    fix: add `policy-spf  unix  -  n  n  -  0  spawn  user=cachet-spf argv=/usr/sbin/cachet-spf`",
          "\u2717 postfix.chroot          " + d +
              "/master.cf:1: smtpd runs chrooted in /var/spool/postfix and cannot reach " + d + "/nosuch.sock",
          "    fix: put the socket under /var/spool/postfix (e.g. Socket "
          "local:/var/spool/postfix/cachet-dkim/dkim.sock and unix:cachet-dkim/dkim.sock in main.cf), or set smtpd's "
          "chroot column to n",
      }));
}

TEST_F(Doctor, MissingPtrAndJsonAgreeWithText) {
  zone_.remove("25.2.0.192.in-addr.arpa");
  const auto text = doctor();
  const auto json = doctor({"--json"});
  EXPECT_EQ(json.exit_code, text.exit_code);
  EXPECT_NE(text.out.find("\u2717 dns.ptr                 no PTR record for 192.0.2.25"), std::string::npos)
      << text.out;
  EXPECT_NE(
      text.out.find("    fix: ask the owner of 192.0.2.25 (your hosting provider) to set its PTR to mail.example.com"),
      std::string::npos);
  // Every text line's check and status appear, in order, in the JSON.
  std::size_t at = 0;
  for (const std::string& line : lines_of(text.out)) {
    if (line.rfind("    fix: ", 0) == 0) {
      at = json.out.find("\"fix\": ", at);
      EXPECT_NE(at, std::string::npos) << line;
      continue;
    }
    const std::string status = line.rfind("\u2713", 0) == 0   ? "ok"
                               : line.rfind("\u2717", 0) == 0 ? "problem"
                                                              : "advice";
    const std::string check = line.substr(line.find(' ') + 1, line.find(' ', line.find(' ') + 1) - line.find(' ') - 1);
    at = json.out.find("{\"check\": \"" + check + "\", \"status\": \"" + status + "\"", at);
    ASSERT_NE(at, std::string::npos) << line << "\n" << json.out;
  }
  EXPECT_EQ(json.out.rfind("{\"status\": \"problem\", \"exit\": 1, \"findings\": [", 0), 0u) << json.out;
}

// The installed daemons: check mode run on each configuration, the socket answered.
TEST_F(Doctor, DaemonsCheckModeAndSocket) {
  cachet::testlib::TempDir etc("cachet-doctor-etc");
  const std::string sock = dir_.file("dkim.sock");
  etc.write("dkim.conf", "Socket local:" + sock + "\nNameservers " + server_.nameserver() +
                             "\nKeyTable file:" + dir_.file("KeyTable") + "\n");
  etc.write("sender.conf",
            "Socket local:" + dir_.file("sender.sock") + "\nPostfixMainCf " + dir_.file("no-main.cf") + "\n");
  cachet::testlib::DaemonProcess dkim({std::string(CACHET_BIN_DIR) + "/cachet-dkim", "-f", "-x", etc.file("dkim.conf")},
                                      dir_.file("dkim.log"));
  ASSERT_TRUE(cachet::testlib::eventually([&] { return std::filesystem::exists(sock) || !dkim.alive(); }));
  ASSERT_TRUE(dkim.alive()) << dkim.log();
  const auto r = doctor({"--sbin-dir", CACHET_BIN_DIR, "--config-dir", etc.path()});
  const auto lines = lines_of(r.out);
  auto has = [&](const std::string& want) { return std::find(lines.begin(), lines.end(), want) != lines.end(); };
  EXPECT_TRUE(has("\u2713 daemon.dkim             cachet-dkim --check-config passes for " + etc.file("dkim.conf") +
                  " (as the current user)"))
      << r.out;
  EXPECT_TRUE(has("\u2713 daemon.dkim.socket      " + sock + " answers the milter negotiation")) << r.out;
  EXPECT_TRUE(has("\u2717 daemon.sender           cachet-sender --check-config fails (exit 78, as the current user): " +
                  etc.file("sender.conf") + ":2: PostfixMainCf: " + dir_.file("no-main.cf") +
                  ": No such file or directory; fix: point PostfixMainCf at Postfix's main.cf, or set "
                  "SenderLoginMaps (then main.cf is not read)"))
      << r.out;
  EXPECT_TRUE(has("\u2717 daemon.sender.socket    " + dir_.file("sender.sock") +
                  " does not exist: cachet-sender is not running"))
      << r.out;
  dkim.signal(SIGTERM);
  EXPECT_EQ(dkim.wait_exit(), 0);
}

TEST_F(Doctor, NoNameserverMeansNoDns) {
  auto r = cachet::testlib::run_command({kCtl, "doctor", "-d", "example.com", "--dkim-config", dir_.file("none.conf"),
                                         "--dmarc-config", dir_.file("none.conf")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_EQ(r->out, "");
}

}  // namespace
