// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dkim_from_login_test.cpp: the real cachet-dkim binary with the header
// From bound to the SASL login (FromLoginMismatch, InternalFromMismatch), driven by the
// project's milter client. The login maps are the classic guide's sendas.pcre, named by a
// main.cf in the test's temp dir (as an admin points PostfixMainCf at /etc/postfix/main.cf).
// Checked per policy: the reply (550 5.7.1 naming address and login), the DKIM-Signature
// insert or its absence, and the dkim.from_login log line. A loopback DnsServer answers the
// (unused) nameserver so that nothing ever asks the system resolver.
#include <sys/stat.h>

#include <string>

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"
#include "tests/lib/daemon_process.hpp"
#include "tests/lib/dkim_keys.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

using cachet::testlib::DaemonProcess;
using cachet::testlib::eventually;
using cachet::testlib::Message;
using cachet::testlib::MilterClient;
using cachet::testlib::Transaction;

class DkimFromLogin : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns_.start());
    static const cachet::testlib::DkimTestKey kKey = cachet::testlib::make_dkim_key(cachet::crypto::KeyType::rsa);
    key_ = dir_.write("key.private", kKey.pem);
    ::chmod(key_.c_str(), 0600);
    dir_.write("sendas.pcre", "# classic guide\n/^postmaster@example\\.test$/ alice\n/^(.+)@example\\.test$/ ${1}\n");
    main_cf_ = dir_.write("main.cf",
                          "myhostname = mail.example.test\nmydomain = example.test\n"
                          "myorigin = $mydomain\nsmtpd_sender_login_maps = pcre:" +
                              dir_.file("sendas.pcre") + "\n");
  }
  void TearDown() override {
    daemon_.reset();
    dns_.stop();
  }

  void start(const std::string& extra) {
    const std::string conf = dir_.write("dkim.conf", "Domain example.test\nKeyFile " + key_ +
                                                         "\nSelector sel\nSocket local:" + dir_.file("dkim.sock") +
                                                         "\nRequireSafeKeys false\nNameservers " + dns_.nameserver() +
                                                         "\nPostfixMainCf " + main_cf_ + "\n" + extra);
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{std::string(CACHET_BIN_DIR) + "/cachet-dkim", "-f", "-x", conf},
        dir_.file("dkim.log"));
    ASSERT_TRUE(eventually([&] {
      MilterClient probe;
      return daemon_->alive() && probe.connect("unix:" + dir_.file("dkim.sock")).has_value();
    })) << daemon_->log();
  }

  // alice's submission (authenticated, not from InternalHosts) with the given From.
  static Message submission(const std::string& from, const std::string& login = "alice") {
    Message m;
    m.client_addr = "192.0.2.9";
    m.macros = {{"j", "mail.example.test"}, {"i", "QID7"}};
    if (!login.empty()) m.macros["{auth_authen}"] = login;
    m.mail = {"<alice@example.test>"};
    m.headers = {{"From", " " + from}, {"To", " carol@remote.test"}, {"Subject", " hi"}};
    m.body = "hello\r\n";
    return m;
  }

  Transaction send(const Message& m) {
    MilterClient c;
    EXPECT_TRUE(c.connect("unix:" + dir_.file("dkim.sock")));
    auto t = c.send_message(m);
    EXPECT_TRUE(t) << (t ? "" : t.error().detail);
    return t ? *t : Transaction{};
  }
  bool logged(const std::string& line) {
    return eventually([&] { return daemon_->log().find(line) != std::string::npos; });
  }

  cachet::testlib::TempDir dir_{"cachet-dkim-from"};
  cachet::dns::ZoneResolver zone_;
  cachet::testlib::DnsServer dns_{zone_};
  std::string key_, main_cf_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DkimFromLogin, RejectRefusesBobsFromAndSignsAlicesOwn) {
  start("FromLoginMismatch reject\n");
  for (const char* own : {"Alice <alice@example.test>", "postmaster@example.test"}) {
    const Transaction t = send(submission(own));
    EXPECT_TRUE(t.accepted()) << own << " " << t.reply_text << daemon_->log();
    EXPECT_NE(t.find('i', "DKIM-Signature"), nullptr) << own;
  }
  const Transaction t = send(submission("Bob <bob@example.test>"));
  EXPECT_EQ(t.final_command, 'y') << daemon_->log();
  EXPECT_EQ(t.reply_text, "550 5.7.1 <bob@example.test>: header From address rejected: not owned by user alice");
  EXPECT_EQ(t.find('i', "DKIM-Signature"), nullptr);
  EXPECT_TRUE(
      logged("dkim.from_login qid=QID7 login=alice field=From address=bob@example.test "
             "verdict=not_owned action=reject rule=" +
             dir_.file("sendas.pcre") + ":3"))
      << daemon_->log();
}

TEST_F(DkimFromLogin, RejectAppliesWhenNoKeyWouldSign) {
  start("FromLoginMismatch reject\nDontSignMailTo example.com\n");  // the default recipient
  EXPECT_EQ(send(submission("bob@example.test")).reply_text,
            "550 5.7.1 <bob@example.test>: header From address rejected: not owned by user alice");
  // No key for other.test, and the maps do not know it: not alice's either.
  EXPECT_EQ(send(submission("ceo@other.test")).reply_text,
            "550 5.7.1 <ceo@other.test>: header From address rejected: not owned by user alice");
  const Transaction own = send(submission("alice@example.test"));
  EXPECT_TRUE(own.accepted()) << own.reply_text;
  EXPECT_EQ(own.find('i', "DKIM-Signature"), nullptr);  // DontSignMailTo still holds
}

TEST_F(DkimFromLogin, NosignDeliversUnsignedAndSaysWhy) {
  start("FromLoginMismatch nosign\n");
  const Transaction t = send(submission("bob@example.test"));
  EXPECT_TRUE(t.accepted()) << t.reply_text;
  EXPECT_EQ(t.find('i', "DKIM-Signature"), nullptr);
  EXPECT_TRUE(logged("verdict=not_owned action=nosign")) << daemon_->log();
  EXPECT_TRUE(logged("why=\"not owned by user alice\"")) << daemon_->log();
  // The Sender field counts too.
  Message m = submission("alice@example.test");
  m.headers.emplace_back("Sender", " bob@example.test");
  const Transaction s = send(m);
  EXPECT_EQ(s.find('i', "DKIM-Signature"), nullptr);
  EXPECT_TRUE(logged("field=Sender address=bob@example.test")) << daemon_->log();
}

TEST_F(DkimFromLogin, SignIsTodaysBehaviourAndReportsWithMaps) {
  start("SenderLoginMaps pcre:" + dir_.file("sendas.pcre") + "\n");
  const Transaction t = send(submission("bob@example.test"));
  EXPECT_TRUE(t.accepted());
  EXPECT_NE(t.find('i', "DKIM-Signature"), nullptr);
  EXPECT_TRUE(logged("verdict=not_owned action=sign")) << daemon_->log();
}

TEST_F(DkimFromLogin, InternalHostsWithoutLoginHaveTheirOwnSetting) {
  start("FromLoginMismatch reject\nInternalHosts 127.0.0.1, 192.0.2.9\n");
  // Default InternalFromMismatch sign: a relay host may send for anyone.
  EXPECT_NE(send(submission("bob@example.test", "")).find('i', "DKIM-Signature"), nullptr);
  daemon_.reset();
  start("InternalFromMismatch reject\nInternalHosts 127.0.0.1, 192.0.2.9\n");
  const Transaction t = send(submission("bob@example.test", ""));
  EXPECT_EQ(t.reply_text, "550 5.7.1 <bob@example.test>: header From address rejected: not logged in");
  // An address nobody owns is not refused for a client without a login (and not signed:
  // no key for other.test).
  const Transaction other = send(submission("news@other.test", ""));
  EXPECT_TRUE(other.accepted()) << other.reply_text;
  EXPECT_EQ(daemon_->log().find("address=news@other.test"), std::string::npos) << daemon_->log();
}

TEST_F(DkimFromLogin, MalformedFromIsNeverSigned) {
  start("FromLoginMismatch nosign\n");
  for (const char* bad :
       {"alice@example.test, bob", "undisclosed-recipients:;", "Team: alice@example.test, bob@example.test;",
        // The strict reader sees alice's address only (an escaped '@' is
        // no address); the signer's reader takes ceo\@example.test: the
        // key must not be chosen by an address nobody checked.
        "alice@example.test ceo\\@example.test"}) {
    const Transaction t = send(submission(bad));
    EXPECT_TRUE(t.accepted()) << bad;
    EXPECT_EQ(t.find('i', "DKIM-Signature"), nullptr) << bad;
  }
}

TEST_F(DkimFromLogin, BrokenMapsStopStartup) {
  dir_.write("sendas.pcre", "/^(.+@example\\.test$/ ${1}\n");  // unbalanced parenthesis
  const std::string conf = dir_.write(
      "dkim.conf", "Domain example.test\nKeyFile " + key_ + "\nSelector sel\nSocket local:" + dir_.file("dkim.sock") +
                       "\nRequireSafeKeys false\nPostfixMainCf " + main_cf_ + "\nFromLoginMismatch reject\n");
  DaemonProcess d({std::string(CACHET_BIN_DIR) + "/cachet-dkim", "-f", "-x", conf}, dir_.file("dkim.log"));
  EXPECT_EQ(d.wait_exit(), 78) << d.log();
  EXPECT_NE(d.log().find("sendas.pcre:1"), std::string::npos) << d.log();
  // --check-config loads the maps as startup does and names the broken one.
  DaemonProcess check({std::string(CACHET_BIN_DIR) + "/cachet-dkim", "--check-config", "-x", conf},
                      dir_.file("check.log"));
  EXPECT_EQ(check.wait_exit(), 78) << check.log();
  EXPECT_NE(check.log().find("sendas.pcre:1"), std::string::npos) << check.log();
}

}  // namespace
