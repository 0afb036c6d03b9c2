// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/doctor/dns_checks_test.cpp: doctor's DNS checks over an in-memory zone:
// each good and each broken record gives its mark, line and fix.
#include "common/doctor/dns_checks.hpp"

#include <gtest/gtest.h>

#include "common/base/base64.hpp"
#include "common/dns/name.hpp"
#include "common/dns/zone_resolver.hpp"

namespace cachet::doctor {
namespace {

using dns::RrType;

std::string lines(const Findings& f) { return format_text(f); }

// A TXT value as character-strings of at most 255 bytes (RFC 1035 s3.3).
std::vector<std::string> chunks(const std::string& v) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); i += 250) out.push_back(v.substr(i, 250));
  return out;
}

class DoctorDns : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_.add_mx("example.com", 10, "mail.example.com");
    zone_.add("mail.example.com", RrType::a, "192.0.2.25");
    zone_.add("25.2.0.192.in-addr.arpa", RrType::ptr, "mail.example.com");
    zone_.add_txt("example.com", {"v=spf1 mx -all"});
    zone_.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"});
  }
  dns::ZoneResolver zone_;
  Findings out_;
};

TEST_F(DoctorDns, ReverseNames) {
  using dns::reverse_name;
  EXPECT_EQ(reverse_name("192.0.2.25"), "25.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name("2001:db8::1"), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(reverse_name("mail.example.com"), "");
  EXPECT_EQ(reverse_name(""), "");
}

TEST_F(DoctorDns, GoodDomainIsAllTicks) {
  const auto addrs = check_mx(zone_, "example.com", out_);
  ASSERT_EQ(addrs, std::vector<std::string>{"192.0.2.25"});
  check_ptr(zone_, "192.0.2.25", "mail.example.com", out_);
  check_spf(zone_, "example.com", "192.0.2.25", out_);
  check_dmarc(zone_, "example.com", out_);
  EXPECT_EQ(exit_status(out_), kExitGood) << lines(out_);
  EXPECT_EQ(lines(out_),
            "\u2713 dns.mx            MX 10 mail.example.com -> 192.0.2.25\n"
            "\u2713 dns.ptr           PTR of 192.0.2.25 is mail.example.com, forward-confirmed\n"
            "\u2713 dns.spf           SPF record: v=spf1 mx -all\n"
            "\u2713 dns.spf.lookups   1 DNS lookups, 0 void\n"
            "\u2713 dns.spf.ip        192.0.2.25 passes SPF for example.com\n"
            "\u2713 dns.dmarc         DMARC record: v=DMARC1; p=reject; rua=mailto:dmarc@example.com\n"
            "\u2713 dns.dmarc.policy  p=reject\n");
}

TEST_F(DoctorDns, MxHostWithoutAddress) {
  zone_.add_mx("example.com", 20, "backup.example.com");
  check_mx(zone_, "example.com", out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].mark, Mark::problem);
  EXPECT_EQ(out_[1].what, "MX 20 backup.example.com: no A/AAAA record");
  EXPECT_EQ(out_[1].fix, "publish an A (and AAAA) record for backup.example.com");
}

TEST_F(DoctorDns, NoMxAtAll) {
  check_mx(zone_, "nothing.example", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark, Mark::problem);
  EXPECT_EQ(out_[0].fix, "publish `nothing.example. IN MX 10 mail.nothing.example.`");
}

TEST_F(DoctorDns, DnsFailureIsUnchecked) {
  zone_.set_servfail("example.com");
  check_mx(zone_, "example.com", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark, Mark::unchecked);
  EXPECT_EQ(exit_status(out_), kExitUnchecked);
}

TEST_F(DoctorDns, MissingPtr) {
  check_ptr(zone_, "192.0.2.99", "mail.example.com", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark, Mark::problem);
  EXPECT_EQ(out_[0].what, "no PTR record for 192.0.2.99: many receivers refuse or junk such mail");
  EXPECT_EQ(out_[0].fix, "ask the owner of 192.0.2.99 (your hosting provider) to set its PTR to mail.example.com");
}

TEST_F(DoctorDns, PtrNotForwardConfirmed) {
  zone_.add("26.2.0.192.in-addr.arpa", RrType::ptr, "other.example.com");
  check_ptr(zone_, "192.0.2.26", "mail.example.com", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark, Mark::problem);
  EXPECT_EQ(out_[0].fix, "publish `other.example.com. IN A 192.0.2.26`");
}

TEST_F(DoctorDns, PtrNotMyhostname) {
  check_ptr(zone_, "192.0.2.25", "mx.example.com", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark, Mark::advice);
  EXPECT_EQ(out_[0].fix, "set `myhostname = mail.example.com` in main.cf, or the PTR to mx.example.com");
}

TEST_F(DoctorDns, TwoSpfRecords) {
  zone_.add_txt("example.com", {"v=spf1 -all"});
  check_spf(zone_, "example.com", "", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].what, "2 SPF records at example.com: every check is a permerror (RFC 7208 s4.5)");
}

TEST_F(DoctorDns, InvalidSpf) {
  zone_.remove("example.com");
  zone_.add_txt("example.com", {"v=spf1 ip4:300.1.1.1 -all"});
  check_spf(zone_, "example.com", "", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark, Mark::problem);
  EXPECT_EQ(out_[0].what.rfind("SPF record of example.com is invalid: ", 0), 0u) << out_[0].what;
}

TEST_F(DoctorDns, ElevenLookupsIsAProblem) {
  std::string record = "v=spf1";
  for (int i = 0; i < 11; ++i) {
    const std::string inc = "i" + std::to_string(i) + ".example.net";
    zone_.add_txt(inc, {"v=spf1 ip4:198.51.100." + std::to_string(i) + " -all"});
    record += " include:" + inc;
  }
  zone_.remove("example.com");
  zone_.add_txt("example.com", chunks(record + " -all"));
  const SpfCount c = count_spf_lookups(zone_, "example.com");
  EXPECT_EQ(c.dns_terms, 11);
  check_spf(zone_, "example.com", "", out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].check, "dns.spf.lookups");
  EXPECT_EQ(out_[1].mark, Mark::problem);
  EXPECT_EQ(out_[1].what, "11 DNS lookups, 0 void: more than 10 is a permerror for every message (RFC 7208 s4.6.4)");
}

TEST_F(DoctorDns, TenLookupsIsFine) {
  std::string record = "v=spf1";
  for (int i = 0; i < 10; ++i) {
    const std::string inc = "i" + std::to_string(i) + ".example.net";
    zone_.add_txt(inc, {"v=spf1 -all"});
    record += " include:" + inc;
  }
  zone_.remove("example.com");
  zone_.add_txt("example.com", chunks(record + " -all"));
  EXPECT_EQ(count_spf_lookups(zone_, "example.com").dns_terms, 10);
}

TEST_F(DoctorDns, IncludeWithoutRecord) {
  zone_.remove("example.com");
  zone_.add_txt("example.com", {"v=spf1 include:gone.example.net -all"});
  const SpfCount c = count_spf_lookups(zone_, "example.com");
  EXPECT_EQ(c.void_lookups, 1);
  EXPECT_EQ(c.problem, "gone.example.net has no SPF record (include/redirect: permerror)");
}

TEST_F(DoctorDns, ServerAddressNotPassing) {
  check_spf(zone_, "example.com", "203.0.113.7", out_);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[2].check, "dns.spf.ip");
  EXPECT_EQ(out_[2].mark, Mark::problem);
  EXPECT_EQ(out_[2].fix, "add ip4:203.0.113.7 (or mx) to the SPF record");
}

TEST_F(DoctorDns, NoDmarc) {
  check_dmarc(zone_, "example.org", out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].fix, "publish `_dmarc.example.org. IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@example.org\"`");
}

TEST_F(DoctorDns, PolicyNoneIsAdvice) {
  zone_.remove("_dmarc.example.com");
  zone_.add_txt("_dmarc.example.com", {"v=DMARC1; p=none"});
  check_dmarc(zone_, "example.com", out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].mark, Mark::advice);
  EXPECT_EQ(exit_status(out_), kExitGood);
}

TEST_F(DoctorDns, UnauthorizedReportTarget) {
  zone_.remove("_dmarc.example.com");
  zone_.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject; rua=mailto:a@reports.example.net,mailto:b@ok.example.org"});
  zone_.add_txt("example.com._report._dmarc.ok.example.org", {"v=DMARC1"});
  check_dmarc(zone_, "example.com", out_);
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[2].mark, Mark::problem);
  EXPECT_EQ(out_[2].what,
            "report target reports.example.net has not authorized reports for example.com "
            "(RFC 7489 s7.1): receivers send it nothing");
  EXPECT_EQ(out_[2].fix,
            "ask reports.example.net to publish `example.com._report._dmarc.reports.example.net. "
            "IN TXT \"v=DMARC1\"`, or send reports to an address in example.com");
  EXPECT_EQ(out_[3].mark, Mark::ok);
}

TEST_F(DoctorDns, DkimKeyMatchesOrNot) {
  auto good = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  auto other = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  auto small = crypto::PrivateKey::generate(crypto::KeyType::rsa, 1024);
  ASSERT_TRUE(good && other && small);
  zone_.add_txt("s1._domainkey.example.com", chunks("v=DKIM1; k=rsa; p=" + base64_encode(*good->public_key_for_dns())));
  zone_.add_txt("s3._domainkey.example.com",
                chunks("v=DKIM1; k=rsa; p=" + base64_encode(*small->public_key_for_dns())));
  check_dkim(zone_,
             {{"example.com", "s1", &*good, "KeyTable k1"},
              {"example.com", "s1", &*other, "KeyTable k2"},
              {"example.com", "s2", &*good, "KeyTable k3"},
              {"example.com", "s3", &*small, "KeyTable k4"}},
             out_);
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[0].mark, Mark::ok);
  EXPECT_EQ(out_[0].what, "s1._domainkey.example.com matches the private key (KeyTable k1)");
  EXPECT_EQ(out_[1].mark, Mark::problem);
  EXPECT_EQ(out_[1].what, "s1._domainkey.example.com: keys do not match with the private key (KeyTable k2)");
  EXPECT_EQ(out_[2].what, "no key record at s2._domainkey.example.com (KeyTable k3)");
  EXPECT_EQ(out_[3].what, "s3._domainkey.example.com: RSA key of 1024 bits (KeyTable k4)");
}

TEST(DoctorReport, JsonMatchesText) {
  const Findings f = {{"dns.mx", Mark::ok, "MX 10 \"m\"", ""}, {"dns.ptr", Mark::problem, "no PTR", "ask\\them"}};
  EXPECT_EQ(format_json(f),
            "{\"status\": \"problem\", \"exit\": 1, \"findings\": [\n"
            "  {\"check\": \"dns.mx\", \"status\": \"ok\", \"what\": \"MX 10 \\\"m\\\"\"},\n"
            "  {\"check\": \"dns.ptr\", \"status\": \"problem\", \"what\": \"no PTR\", \"fix\": \"ask\\\\them\"}\n"
            "]}\n");
  EXPECT_EQ(format_text(f), "\u2713 dns.mx   MX 10 \"m\"\n\u2717 dns.ptr  no PTR\n    fix: ask\\them\n");
  EXPECT_EQ(json_quote(std::string("a\x01z", 3)), "\"a\\u0001z\"");
  EXPECT_EQ(format_json({}), "{\"status\": \"ok\", \"exit\": 0, \"findings\": []}\n");
}

}  // namespace
}  // namespace cachet::doctor
