// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/dkimpy_data_test.cpp: dkimpy 1.1.4's test data, used as its
// MANIFEST.tsv says: pre-signed messages with fixed outcomes, sign-then-verify round
// trips over keys in every form, key records that must not verify.
#include <gtest/gtest.h>

#include "common/dkim/sign.hpp"
#include "common/dkim/verify.hpp"
#include "tests/unit/common/dkim/test_util.hpp"

namespace cachet::dkim {
namespace {

constexpr std::uint64_t kNow = 1800000000;

std::string dir() { return test::dkim_data("dkimpy/"); }

std::vector<SignatureResult> verify_file(const std::string& text, const test::FakeDns& dns) {
  auto got = verify_message(text, dns.lookup(), {.now = kNow});
  EXPECT_TRUE(got.has_value());
  return got ? *got : std::vector<SignatureResult>{};
}

std::string results(const std::vector<SignatureResult>& rs) {
  std::string out;
  for (const auto& r : rs) out += std::string(to_string(r.result)) + "(" + r.reason + ") ";
  return out;
}

std::string first_line(const std::string& text) { return std::string(trim(text.substr(0, text.find('\n')))); }

class DkimpyData : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::exists(dir())) GTEST_SKIP() << "conformance suite not found at " << dir();
  }
};

TEST_F(DkimpyData, PreSignedMessagesHaveTheirExpectedOutcome) {
  const auto dns = test::load_tsv_zone(dir() + "dns-txt.tsv");
  const auto bad = test::load_tsv_zone(dir() + "dns-txt-badkey.tsv");
  struct Row {
    const char* file;
    const test::FakeDns* zone;
    bool want_pass;
  } rows[] = {
      {"test2.message", &dns, true},           {"ed25519test2.msg", &dns, true},
      {"rfc6376.signed.msg", &dns, true},      {"rfc6376.signed.rsa.msg", &bad, false},
      {"test.message.baddomain", &dns, false},
  };
  for (const auto& row : rows) {
    const auto rs = verify_file(test::read_file(dir() + row.file), *row.zone);
    ASSERT_FALSE(rs.empty()) << row.file;
    for (const auto& r : rs) {
      EXPECT_EQ(r.result == VerifyResult::pass, row.want_pass) << row.file << ": " << results(rs);
    }
  }
  const auto bd = verify_file(test::read_file(dir() + "test.message.baddomain"), dns);
  EXPECT_EQ(bd.at(0).result, VerifyResult::permerror);
  EXPECT_EQ(bd.at(0).domain, "");  // never reported as the domain it pretends to be
}

struct KeyCase {
  const char* key_file;
  const char* record_file;  // served at sel._domainkey.example.com
  Algorithm alg;
};

TEST_F(DkimpyData, RoundTripsEveryKeyFormAndCanonicalization) {
  const KeyCase keys[] = {
      {"test.private", "test.txt", Algorithm::rsa_sha256},
      {"test.private", "test2.txt", Algorithm::rsa_sha256},
      {"1024_testkey.key", "1024_testkey_wo_markers.pub.txt", Algorithm::rsa_sha256},
      {"1024_testkey.key", "1024_testkey_wo_markers.pub.rsa.txt", Algorithm::rsa_sha256},
      {"2048_testkey.key", "2048_testkey_wo_markers.pub.txt", Algorithm::rsa_sha256},
      {"2048_testkey.key", "2048_testkey_wo_markers.pub.rsa.txt", Algorithm::rsa_sha256},
      {"2048_testkey_PKCS8.key", "2048_testkey_PKCS8.key.pub.txt", Algorithm::rsa_sha256},
      {"ed25519test.key", "ed25519test.dns", Algorithm::ed25519_sha256},
      {"rfc8032_7_1.key", nullptr, Algorithm::ed25519_sha256},
  };
  const char* messages[] = {"test.message", "ed25519test.msg", "message.mbox", "rfc6376.msg", "rfc6376.w1258.msg"};
  int passes = 0;
  for (const auto& k : keys) {
    auto key = crypto::PrivateKey::load(crypto::SecretBytes(test::read_file(dir() + k.key_file)));
    ASSERT_TRUE(key.has_value()) << k.key_file << ": " << key.error().detail;
    test::FakeDns dns;
    if (k.record_file != nullptr) {
      dns.add_txt("sel._domainkey.example.com", first_line(test::read_file(dir() + k.record_file)));
    } else {
      dns.add_txt("sel._domainkey.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    }
    for (const char* m : messages) {
      const std::string msg = test::read_file(dir() + m);
      for (const Canon hc : {Canon::simple, Canon::relaxed}) {
        for (const Canon bc : {Canon::simple, Canon::relaxed}) {
          for (const bool with_l : {false, true}) {
            SignParams p;
            p.domain = "example.com";
            p.selector = "sel";
            p.key = &*key;
            p.algorithm = k.alg;
            p.header_canon = hc;
            p.body_canon = bc;
            p.include_body_length = with_l;
            p.timestamp = kNow;
            auto value = sign_message(msg, p);
            ASSERT_TRUE(value.has_value()) << value.error().detail;
            const std::string signed_msg = "DKIM-Signature: " + *value + "\r\n" + msg;
            const auto rs = verify_file(signed_msg, dns);
            ASSERT_GE(rs.size(), 1u);  // some inputs carry older signatures of their own
            EXPECT_EQ(rs[0].result, VerifyResult::pass)
                << k.key_file << " " << k.record_file << " " << m << " " << results(rs) << "\n"
                << *value;
            passes += rs[0].result == VerifyResult::pass;
            // Appended text: fails without l=, still passes with l= (that is what l= means).
            const auto appended = verify_file(signed_msg + "appended\r\n", dns);
            EXPECT_EQ(appended.at(0).result, with_l ? VerifyResult::pass : VerifyResult::fail) << m;
          }
        }
      }
    }
  }
  std::printf("dkimpy round trips: %d passes\n", passes);
}

SignParams test_params(const crypto::PrivateKey& key) {
  SignParams p;
  p.domain = "example.com";
  p.selector = "sel";
  p.key = &key;
  p.timestamp = kNow;
  return p;
}

TEST_F(DkimpyData, KeyRecordsThatMustNotVerify) {
  auto key = crypto::PrivateKey::load(crypto::SecretBytes(test::read_file(dir() + "test.private")));
  ASSERT_TRUE(key.has_value());
  const SignParams p = test_params(*key);
  const std::string msg = test::read_file(dir() + "test.message");
  auto value = sign_message(msg, p);
  ASSERT_TRUE(value.has_value());
  for (const char* rec : {"badversion.txt", "badk.txt", "test_tlsrpt.txt", "test_bad.txt"}) {
    test::FakeDns dns;
    dns.add_txt("sel._domainkey.example.com", first_line(test::read_file(dir() + rec)));
    const auto rs = verify_file("DKIM-Signature: " + *value + "\r\n" + msg, dns);
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_NE(rs[0].result, VerifyResult::pass) << rec;
  }
}

TEST_F(DkimpyData, MessageWithoutFromIsNotSigned) {
  auto key = crypto::PrivateKey::load(crypto::SecretBytes(test::read_file(dir() + "test.private")));
  ASSERT_TRUE(key.has_value());
  const auto got = sign_message(test::read_file(dir() + "test_nofrom.message"), test_params(*key));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::bad_input);
}

}  // namespace
}  // namespace cachet::dkim
