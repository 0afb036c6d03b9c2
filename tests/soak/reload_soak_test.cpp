// SPDX-License-Identifier: BSD-2-Clause
//
// tests/soak/reload_soak_test.cpp: cachet-dkim signing under sustained load while its
// configuration changes and SIGHUP arrives every second (the selector and key alternate
// between an RSA and an Ed25519 pair). Every message must be signed, and every signature
// must verify in a second cachet-dkim in verify mode (dkim=pass in its
// Authentication-Results), both selectors must have signed (the reloads took effect), and
// the signer's RSS after the run stays within kRssGrowthLimitKib of its RSS after warm-up.
// Keys are served by a loopback DnsServer; every process is stopped by pid.
#include <signal.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"
#include "common/mail/tag_list.hpp"
#include "tests/lib/daemon_process.hpp"
#include "tests/lib/dkim_keys.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/lib/temp_dir.hpp"
#include "tests/soak/soak.hpp"

namespace cachet::testlib {
namespace {

using namespace std::chrono_literals;

const std::string kDkim = std::string(CACHET_BIN_DIR) + "/cachet-dkim";

class DkimReloadSoak : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns_.start());
    const DkimTestKey rsa = make_dkim_key(crypto::KeyType::rsa);
    const DkimTestKey ed = make_dkim_key(crypto::KeyType::ed25519);
    zone_.add_txt("rsa._domainkey.example.com", txt_chunks(rsa.record));
    zone_.add_txt("ed._domainkey.example.com", txt_chunks(ed.record));
    rsa_key_ = dir_.write("rsa.private", rsa.pem);
    ed_key_ = dir_.write("ed.private", ed.pem);
  }

  std::string common_lines(const std::string& socket) const {
    return "Socket local:" + dir_.file(socket) + "\nNameservers " + dns_.nameserver() +
           "\nDNSTimeout 2\nRequireSafeKeys false\nAuthservID verifier.test\n";
  }
  // The signer's config for generation n: even = RSA key, odd = Ed25519 key.
  std::string signer_config(int n) const {
    const bool ed = n % 2 == 1;
    return common_lines("sign.sock") + "Mode s\nDomain example.com\nSelector " + (ed ? "ed" : "rsa") + "\nKeyFile " +
           (ed ? ed_key_ : rsa_key_) + "\n";
  }
  std::unique_ptr<DaemonProcess> start(const std::string& name, const std::string& config) {
    const std::string conf = dir_.write(name + ".conf", config);
    return start_daemon({kDkim, "-f", "-x", conf}, dir_.file(name + ".log"), dir_.file(name + ".sock"));
  }

  static Message outbound(long n) {
    Message m;
    m.client_addr = "127.0.0.1";
    m.macros = {{"j", "mx.test"}, {"i", "SOAK" + std::to_string(n)}};
    m.headers = {{"From", " Alice <alice@example.com>"},
                 {"To", " bob@other.example"},
                 {"Subject", " soak " + std::to_string(n)},
                 {"Date", " Mon, 1 Jan 2024 00:00:00 +0000"}};
    m.body = "message " + std::to_string(n) + "\r\n";
    return m;
  }

  // Signs one message, has it verified; returns "" or why it failed; `selector` gets s=.
  std::string sign_and_verify(long n, std::string& selector) {
    Message m = outbound(n);
    MilterClient signer;
    if (auto c = signer.connect("unix:" + dir_.file("sign.sock")); !c) return "sign connect: " + c.error().detail;
    auto signed_t = signer.send_message(m);
    if (!signed_t) return "sign: " + signed_t.error().detail;
    const auto* sig = signed_t->find('i', "DKIM-Signature");
    if (!signed_t->accepted() || sig == nullptr) return "not signed";
    const auto tags = mail::parse_tag_list(sig->value);
    const auto* s = tags ? tags->find("s") : nullptr;
    selector = s ? s->value : "";

    m.client_addr = "192.0.2.1";
    m.headers.insert(m.headers.begin(), {"DKIM-Signature", sig->value});
    MilterClient verifier;
    if (auto c = verifier.connect("unix:" + dir_.file("verify.sock")); !c) return "verify connect: " + c.error().detail;
    auto verified = verifier.send_message(m);
    if (!verified) return "verify: " + verified.error().detail;
    const auto* ar = verified->find('i', "Authentication-Results");
    if (ar == nullptr || ar->value.find("dkim=pass") == std::string::npos)
      return "signature did not verify: " + (ar ? ar->value : std::string("no Authentication-Results"));
    return "";
  }

  testlib::TempDir dir_{"cachet-soak-dkim"};
  dns::ZoneResolver zone_;
  testlib::DnsServer dns_{zone_};
  std::string rsa_key_, ed_key_;
};

TEST_F(DkimReloadSoak, SignsAndVerifiesEveryMessageThroughAReloadEverySecond) {
  auto signer = start("sign", signer_config(0));
  auto verifier = start("verify", common_lines("verify.sock") + "Mode v\n");
  ASSERT_TRUE(signer->alive()) << signer->log();
  ASSERT_TRUE(verifier->alive()) << verifier->log();

  std::atomic<long> serial{0};
  std::atomic<long> by_rsa{0}, by_ed{0};
  Tally warmup;
  for (int i = 0; i < 20; ++i) {
    std::string sel;
    const std::string why = sign_and_verify(serial++, sel);
    why.empty() ? warmup.ok() : warmup.fail(why);
  }
  ASSERT_EQ(warmup.failures(), 0) << warmup.reasons() << signer->log();
  const long rss_start = rss_kib(signer->pid());

  Tally tally;
  int reloads = 0;
  const auto started = std::chrono::steady_clock::now();
  run_load(
      soak_seconds(), 4, tally,
      [&](int, Tally& t) {
        std::string sel;
        const std::string why = sign_and_verify(serial++, sel);
        if (!why.empty()) return t.fail(why);
        (sel == "ed" ? by_ed : by_rsa)++;
        t.ok();
      },
      [&](std::chrono::steady_clock::time_point deadline) {
        // Pacing, not waiting for a condition: one config change a second.
        for (auto next = started + 1s; next < deadline; next += 1s) {
          std::this_thread::sleep_until(next);
          dir_.write("sign.conf", signer_config(++reloads));
          signer->signal(SIGHUP);
        }
      });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const long rss_end = rss_kib(signer->pid());
  print_figures("dkim_reload", seconds, tally.oks() + tally.failures(), tally.failures(), rss_start, rss_end,
                "reloads=" + std::to_string(reloads) + " rsa=" + std::to_string(by_rsa.load()) +
                    " ed25519=" + std::to_string(by_ed.load()));

  EXPECT_EQ(tally.failures(), 0) << tally.reasons();
  EXPECT_GT(tally.oks(), 0);
  EXPECT_TRUE(signer->alive()) << signer->log();
  EXPECT_TRUE(verifier->alive()) << verifier->log();
  if (reloads >= 2) {
    EXPECT_GT(by_rsa.load(), 0);
    EXPECT_GT(by_ed.load(), 0) << "no message signed with the key of a reloaded config";
  }
  EXPECT_EQ(signer->log().find("config.reload_failed"), std::string::npos) << signer->log();
  EXPECT_LT(rss_end - rss_start, kRssGrowthLimitKib);
}

}  // namespace
}  // namespace cachet::testlib
