// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/doctor/postfix_checks_test.cpp: doctor's main.cf checks: milter
// sockets (absolute and chroot-relative), milter_default_action, the SPF service's place,
// the sender-login check under SASL.
#include "common/doctor/postfix_checks.hpp"

#include <gtest/gtest.h>

#include <set>

namespace cachet::doctor {
namespace {

Findings run(std::string_view main_cf, const std::set<std::string>& sockets = {}) {
  auto cf = postfix::parse_main_cf(main_cf, "main.cf");
  EXPECT_TRUE(cf.has_value());
  Findings out;
  check_postfix_main(
      *cf, [&](const std::string& p) { return sockets.count(p) ? SocketState::socket : SocketState::missing; }, out);
  return out;
}

const Finding* find(const Findings& f, std::string_view check) {
  for (const Finding& x : f)
    if (x.check == check) return &x;
  return nullptr;
}

TEST(DoctorPostfix, ReadmeWiringIsGood) {
  const auto f =
      run("smtpd_milters = unix:/run/cachet-dkim/dkim.sock, unix:/run/cachet-dmarc/dmarc.sock\n"
          "non_smtpd_milters = $smtpd_milters\n"
          "smtpd_sasl_auth_enable = yes\n"
          "smtpd_sender_restrictions = check_policy_service unix:/run/cachet-sender/sender.sock\n"
          "smtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination,\n"
          "    check_policy_service unix:private/policy-spf\n",
          {"/run/cachet-dkim/dkim.sock", "/run/cachet-dmarc/dmarc.sock"});
  EXPECT_EQ(exit_status(f), kExitGood) << format_text(f);
  EXPECT_EQ(
      format_text(f),
      "\u2713 postfix.milters         main.cf:1: smtpd_milters: /run/cachet-dkim/dkim.sock is a listening socket\n"
      "\u2713 postfix.milters         main.cf:1: smtpd_milters: /run/cachet-dmarc/dmarc.sock is a listening socket\n"
      "\u2713 postfix.milter_default  milter_default_action = tempfail (Postfix's default): mail waits while a milter "
      "is down\n"
      "\u2713 postfix.spf_order       SPF policy service (unix:private/policy-spf) after reject_unauth_destination\n"
      "\u2713 postfix.sender_login    SASL is on and senders are checked against their login\n");
}

TEST(DoctorPostfix, ChrootRelativeSocketAndAccept) {
  const auto f =
      run("queue_directory = /var/spool/postfix\nsmtpd_milters = unix:cachet-dkim/dkim.sock\n"
          "milter_default_action = accept\n");
  const Finding* m = find(f, "postfix.milters");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->mark, Mark::problem);
  EXPECT_EQ(m->what, "main.cf:2: smtpd_milters: /var/spool/postfix/cachet-dkim/dkim.sock does not exist");
  const Finding* d = find(f, "postfix.milter_default");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->mark, Mark::advice);
}

TEST(DoctorPostfix, SocketPostfixMayNotUse) {
  auto cf = postfix::parse_main_cf("smtpd_milters = unix:/run/cachet-dkim/dkim.sock\n", "main.cf");
  ASSERT_TRUE(cf.has_value());
  Findings f;
  check_postfix_main(
      *cf, [](const std::string&) { return SocketState::not_connectable; }, f);
  const Finding* m = find(f, "postfix.milters");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->mark, Mark::problem);
  EXPECT_EQ(m->what, "main.cf:1: smtpd_milters: user postfix may not connect to /run/cachet-dkim/dkim.sock");
}

TEST(DoctorPostfix, SpfBeforeRejectUnauthIsAProblem) {
  const auto f =
      run("smtpd_recipient_restrictions = check_policy_service unix:private/policy-spf, "
          "reject_unauth_destination\n");
  const Finding* s = find(f, "postfix.spf_order");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->mark, Mark::problem);
  EXPECT_EQ(s->fix, "move `check_policy_service unix:private/policy-spf` after reject_unauth_destination");
}

TEST(DoctorPostfix, SaslWithoutSenderCheck) {
  const auto f = run("smtpd_sasl_auth_enable = yes\n");
  const Finding* s = find(f, "postfix.sender_login");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->mark, Mark::problem);
}
}  // namespace
}  // namespace cachet::doctor

namespace cachet::doctor {
namespace {

Findings run_master(std::string_view main_cf, std::string_view master_cf, bool chroot_default = false) {
  auto cf = postfix::parse_main_cf(main_cf, "main.cf");
  auto m = postfix::parse_master_cf(master_cf, "master.cf");
  EXPECT_TRUE(cf.has_value());
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().detail);
  Findings out;
  check_postfix_master(
      *cf, *m, [](const std::string& p) { return p == "/usr/sbin/cachet-spf"; }, chroot_default, out);
  return out;
}

constexpr std::string_view kRestrictions =
    "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service unix:private/policy-spf\n";

TEST(DoctorMaster, SpawnEntryWithTimeLimitIsGood) {
  const auto f = run_master(std::string(kRestrictions) + "policy-spf_time_limit = 3600s\n",
                            "smtp      inet  n       -       n       -       -       smtpd\n"
                            "policy-spf  unix  -       n       n       -       0       spawn\n"
                            "  user=cachet-spf argv=/usr/sbin/cachet-spf\n");
  EXPECT_EQ(format_text(f), "\u2713 postfix.spf_spawn  master.cf:2: policy-spf spawns /usr/sbin/cachet-spf\n");
}

TEST(DoctorMaster, WrongArgvAndNoTimeLimit) {
  const auto f = run_master(kRestrictions, "policy-spf unix - n n - 0 spawn user=nobody argv=/usr/bin/cachet-spf\n");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].mark, Mark::problem);
  EXPECT_EQ(f[0].what, "master.cf:1: policy-spf spawns /usr/bin/cachet-spf, which is not an executable file");
  EXPECT_EQ(f[1].mark, Mark::advice);
  EXPECT_EQ(f[1].fix, "add `policy-spf_time_limit = 3600s` to main.cf");
}

TEST(DoctorMaster, MissingSpawnEntry) {
  const auto f = run_master(kRestrictions, "smtp inet n - y - - smtpd\n");
  ASSERT_GE(f.size(), 1u);
  EXPECT_EQ(f[0].what, "master.cf has no `policy-spf unix` service");
}

TEST(DoctorMaster, ChrootedSmtpdCannotReachRun) {
  const auto f = run_master("smtpd_milters = unix:/run/cachet-dkim/dkim.sock, unix:cachet-dmarc/dmarc.sock\n",
                            "smtp inet n - y - - smtpd\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].check, "postfix.chroot");
  EXPECT_EQ(f[0].mark, Mark::problem);
  EXPECT_EQ(f[0].what,
            "master.cf:1: smtpd runs chrooted in /var/spool/postfix and cannot reach /run/cachet-dkim/dkim.sock");
  EXPECT_TRUE(run_master("smtpd_milters = unix:/run/x.sock\n", "smtp inet n - - - - smtpd\n").empty());
  EXPECT_EQ(run_master("smtpd_milters = unix:/run/x.sock\n", "smtp inet n - - - - smtpd\n", true).size(), 1u);
}

TEST(MasterCf, ReadsEntriesAndArguments) {
  auto m = postfix::parse_master_cf(
      "# comment\nsmtp inet n - y - - smtpd\n  -o smtpd_milters=\n"
      "x unix - n n - 0 spawn user=a argv=/bin/x y\n",
      "master.cf");
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->entries.size(), 2u);
  EXPECT_EQ(m->entries[0].line, 2u);
  EXPECT_EQ(m->entries[0].command, (std::vector<std::string>{"smtpd", "-o", "smtpd_milters="}));
  EXPECT_EQ(m->entries[1].argument("argv").value_or(""), "/bin/x");
  EXPECT_FALSE(m->entries[1].argument("nothing").has_value());
  EXPECT_FALSE(postfix::parse_master_cf("smtp inet n - y\n", "master.cf").has_value());
}
}  // namespace
}  // namespace cachet::doctor

namespace cachet::doctor {
namespace {

TEST(DoctorTls, ExpiryMarks) {
  const std::int64_t now = 1'800'000'000;
  auto mark_for = [&](const Result<std::int64_t>& when) {
    Findings f;
    Result<std::vector<crypto::CertificateValidity>> certs =
        when ? Result<std::vector<crypto::CertificateValidity>>(
                   std::vector<crypto::CertificateValidity>{{"CN=mail.example.org", *when}})
             : Result<std::vector<crypto::CertificateValidity>>(Unexpected<Error>(when.error()));
    check_tls_certificates({CertificateFile{"/etc/ssl/mail.pem", certs}}, now, f);
    return f.at(0);
  };
  EXPECT_EQ(mark_for(now + 90 * 86400).mark, Mark::ok);
  EXPECT_EQ(mark_for(now + 90 * 86400).what, "/etc/ssl/mail.pem valid for 90 more days");
  EXPECT_EQ(mark_for(now + 10 * 86400).mark, Mark::advice);
  EXPECT_EQ(mark_for(now + 3 * 86400).mark, Mark::problem);
  const Finding expired = mark_for(now - 2 * 86400);
  EXPECT_EQ(expired.what, "/etc/ssl/mail.pem expired 2 days ago");
  EXPECT_EQ(expired.fix, "renew it (certbot renew, or your CA) and run postfix reload");
  const Finding unreadable = mark_for(fail(Errc::bad_input, "no PEM certificate"));
  EXPECT_EQ(unreadable.mark, Mark::unchecked);
  EXPECT_EQ(unreadable.what, "/etc/ssl/mail.pem: no PEM certificate");
  Findings none;
  check_tls_certificates({}, now, none);
  EXPECT_EQ(none.at(0).mark, Mark::advice);
}

// Generated certificates: a chain file (key, server certificate, intermediate) whose
// intermediate expires first is judged by the intermediate; every file of
// smtpd_tls_chain_files is read.
class DoctorTlsChain : public ::testing::Test {
 protected:
  static constexpr std::int64_t kNow = 1'800'000'000;
  static std::string cert(std::string_view cn, std::int64_t days_left) {
    auto pem = crypto::self_signed_certificate_for_test(cn, kNow - 86400, kNow + days_left * 86400);
    EXPECT_TRUE(pem) << (pem ? "" : pem.error().detail);
    return pem ? *pem : std::string();
  }
  static Findings check(const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<CertificateFile> in;
    for (const auto& [path, pem] : files) in.push_back({path, crypto::certificates_in(pem)});
    Findings f;
    check_tls_certificates(in, kNow, f);
    return f;
  }
};

TEST_F(DoctorTlsChain, ReadsEveryCertificateOfAFile) {
  const std::string key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
  const std::string chain = key + cert("mail.example.org", 60) + cert("Intermediate CA", 5);
  auto certs = crypto::certificates_in(chain);
  ASSERT_TRUE(certs) << certs.error().detail;
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].subject, "CN=mail.example.org");
  EXPECT_EQ((*certs)[1].not_after, kNow + 5 * 86400);
  const Findings f = check({{"/etc/ssl/chain.pem", chain}});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].mark, Mark::problem);
  EXPECT_EQ(f[0].what, "/etc/ssl/chain.pem: certificate 2 of 2 (CN=Intermediate CA) expires in 5 days");
}

TEST_F(DoctorTlsChain, EveryFileIsChecked) {
  const Findings f = check({{"/etc/ssl/rsa.pem", cert("mail.example.org", 90) + cert("Intermediate CA", 400)},
                            {"/etc/ssl/ec.pem", cert("mail.example.org", -3)}});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].mark, Mark::ok);
  EXPECT_EQ(f[0].what, "/etc/ssl/rsa.pem: all 2 certificates valid for 90 more days or longer");
  EXPECT_EQ(f[1].mark, Mark::problem);
  EXPECT_EQ(f[1].what, "/etc/ssl/ec.pem expired 3 days ago");
}

TEST_F(DoctorTlsChain, MalformedFiles) {
  EXPECT_EQ(crypto::certificates_in("").error().detail, "no PEM certificate");
  EXPECT_EQ(crypto::certificates_in("not pem at all\n").error().detail, "no PEM certificate");
  const std::string good = cert("a", 30);
  const std::string broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(crypto::certificates_in(good + broken).error().detail, "certificate 2 does not parse");
  std::string many;
  for (std::size_t i = 0; i <= crypto::kMaxCertificatesPerFile; ++i) many += good;
  EXPECT_EQ(crypto::certificates_in(many).error().detail, "more than 32 certificates");
  many.resize(many.size() - good.size());
  EXPECT_TRUE(crypto::certificates_in(many));  // exactly at the limit
}

TEST(DoctorTls, CertificateFilesFromMainCf) {
  auto a = postfix::parse_main_cf("smtpd_tls_cert_file = /etc/a.pem\nsmtpd_tls_eccert_file = /etc/e.pem\n", "main.cf");
  auto b = postfix::parse_main_cf("smtpd_tls_cert_file = /etc/a.pem\nsmtpd_tls_chain_files = /etc/k.pem, /etc/c.pem\n",
                                  "main.cf");
  auto c = postfix::parse_main_cf("myhostname = x.example\n", "main.cf");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(tls_certificate_files(*a), (std::vector<std::string>{"/etc/a.pem", "/etc/e.pem"}));
  EXPECT_EQ(tls_certificate_files(*b), (std::vector<std::string>{"/etc/k.pem", "/etc/c.pem"}));
  EXPECT_TRUE(tls_certificate_files(*c).empty());
}

// postconf's output supplies what main.cf leaves unset; the file's parameters keep their
// lines. A default referenced from the file ($config_directory) expands to postconf's value.
TEST(DoctorPostconf, DefaultsFromPostconfLinesFromTheFile) {
  const std::string file = "smtpd_milters = unix:$config_directory/m.sock\nmilter_default_action = accept\n";
  const std::string postconf =
      "config_directory = /etc/pf\nmilter_default_action = tempfail\nsmtpd_milters =\n"
      "queue_directory = /var/spool/postfix\nmyhostname = host.example\n";
  auto cf = main_cf_with_postconf(file, "/etc/pf/main.cf", postconf);
  ASSERT_TRUE(cf) << cf.error().detail;
  EXPECT_EQ(cf->expand("smtpd_milters").value_or("?"), "unix:/etc/pf/m.sock");
  EXPECT_EQ(cf->origin("smtpd_milters"), "/etc/pf/main.cf:1");
  EXPECT_EQ(cf->expand("milter_default_action").value_or("?"), "accept");  // the file wins
  EXPECT_EQ(cf->expand("myhostname").value_or("?"), "host.example");
  EXPECT_EQ(cf->origin("myhostname"), "");
}

TEST(DoctorPostconf, UnsetMilterDefaultIsPostfixsDefaultEvenWhenPostconfSaysIt) {
  auto cf =
      main_cf_with_postconf(std::string("myhostname = a.example\n"), "main.cf", "milter_default_action = tempfail\n");
  ASSERT_TRUE(cf);
  Findings f;
  check_postfix_main(
      *cf, [](const std::string&) { return SocketState::missing; }, f);
  const Finding* d = find(f, "postfix.milter_default");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->what, "milter_default_action = tempfail (Postfix's default): mail waits while a milter is down");
}

TEST(DoctorPostconf, PostconfAloneWithoutTheFile) {
  auto cf = main_cf_with_postconf(std::nullopt, "/etc/postfix/main.cf", "myhostname = b.example\n");
  ASSERT_TRUE(cf);
  EXPECT_EQ(cf->expand("myhostname").value_or("?"), "b.example");
}

TEST(DoctorPostconf, MalformedPostconfOutputIsRefused) {
  auto cf = main_cf_with_postconf(std::string("a = b\n"), "main.cf", "x = 1\nno equals sign here\n");
  ASSERT_FALSE(cf);
  EXPECT_EQ(cf.error().detail, "postconf:2: expected \"name = value\"");
  EXPECT_TRUE(main_cf_with_postconf(std::string("a = b\n"), "main.cf", ""));  // empty output: the file alone
}

TEST(DoctorPostconf, MasterEntriesFromPostconfLinesFromTheFile) {
  const std::string file =
      "# comment\nsmtp      inet  n       -       y       -       -       smtpd\n"
      "policy-spf  unix  -  n  n  -  0  spawn\n  user=nobody argv=/usr/bin/policyd-spf\n";
  const std::string postconf_m =
      "smtp       inet  n       -       y       -       -       smtpd\n"
      "policy-spf unix  -       n       n       -       0       spawn user=nobody argv=/usr/bin/policyd-spf\n"
      "extra      unix  -       -       n       -       -       pipe\n";
  auto m = master_cf_with_postconf(file, "/etc/postfix/master.cf", postconf_m);
  ASSERT_TRUE(m) << m.error().detail;
  ASSERT_EQ(m->entries.size(), 3u);
  EXPECT_EQ(m->entries[0].line, 2u);
  EXPECT_EQ(m->entries[1].line, 3u);
  EXPECT_EQ(m->entries[1].argument("argv").value_or("?"), "/usr/bin/policyd-spf");
  EXPECT_EQ(m->entries[2].line, 0u);  // not in the file's text
  EXPECT_EQ(m->file_name, "/etc/postfix/master.cf");
}

}  // namespace
}  // namespace cachet::doctor
