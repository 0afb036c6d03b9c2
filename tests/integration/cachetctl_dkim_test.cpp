// SPDX-License-Identifier: BSD-2-Clause
// tests/integration/cachetctl_dkim_test.cpp: the real cachetctl binary: keygen against the
// real opendkim-genkey (same flags -> same files, modes and .txt layout), keygen then
// testkey against the test DNS server on loopback, and the sign/verify interop matrix with
// python3-dkim (dkimpy) and opendkim (test mode) as independent oracles, for rsa-sha256
// and ed25519-sha256. No test touches the system resolver: cachetctl gets -n <loopback>
// or --key-file, dkimpy gets its keys from the zone files (sockets refused), and opendkim
// runs with TestDNSData inside `unshare -n` (no network at all).
// Peers missing (scripts/packages.d/dkim-interop.txt) -> the cell is skipped visibly.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/dkim/key_zone.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::testlib {
namespace {

const std::string kCtl = std::string(CACHET_BIN_DIR) + "/cachetctl";
const std::string kOracle = std::string(CACHET_SOURCE_DIR) + "/tests/integration/dkim_interop/dkimpy_oracle.py";
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kGenkey = "/usr/sbin/opendkim-genkey";
constexpr const char* kOpendkim = "/usr/sbin/opendkim";
constexpr const char* kUnshare = "/usr/bin/unshare";

const std::string kMessage =
    "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: interop\r\n"
    "Date: Wed, 25 Nov 2026 21:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n"
    "Hello,\r\n  spaced  line \r\n\r\n";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult run(const std::vector<std::string>& argv, const std::string& input = {}) {
  auto r = run_command(argv, input);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().detail);
  return r ? *r : CommandResult{};
}

bool has_dkimpy() {
  if (::access(kPython, X_OK) != 0) return false;
  auto r = run_command({kPython, "-c", "import dkim"});
  return r && r->exit_code == 0;
}

bool can_unshare_net() {
  if (::access(kUnshare, X_OK) != 0) return false;
  auto r = run_command({kUnshare, "-n", "/bin/true"});
  return r && r->exit_code == 0;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0xffff;
}

// The .txt with the base64 key characters after "p=" masked: the structure that must be
// identical between opendkim-genkey and cachetctl keygen for the same flags.
std::string shape(std::string txt) {
  const auto p = txt.find("p=");
  if (p == std::string::npos) return txt;
  const auto end = txt.find("\" )", p);
  for (std::size_t i = p + 2; i < end && i < txt.size(); ++i)
    if (std::isalnum(static_cast<unsigned char>(txt[i])) || txt[i] == '+' || txt[i] == '/' || txt[i] == '=')
      txt[i] = 'X';
  return txt;
}

TEST(CachetctlKeygen, SameFilesModesAndLayoutAsOpendkimGenkey) {
  if (::access(kGenkey, X_OK) != 0) GTEST_SKIP() << "opendkim-genkey not installed";
  const std::vector<std::vector<std::string>> flag_sets = {
      {"-s", "sel1", "-d", "example.com"},
      {"-a", "-r", "-t", "-S", "-n", "hello world", "-b", "1024", "-s", "s1", "-d", "ex.org"},
      {"-b", "3072", "--selector=big", "--domain=example.net", "--restrict", "--testmode"},
      {"-h", "sha1:sha256", "-s", "h", "-d", ""},
  };
  for (const auto& flags : flag_sets) {
    TempDir theirs("genkey"), ours("keygen");
    std::vector<std::string> a{kGenkey, "-D", theirs.path()}, b{kCtl, "keygen", "-D", ours.path()};
    a.insert(a.end(), flags.begin(), flags.end());
    b.insert(b.end(), flags.begin(), flags.end());
    ASSERT_EQ(run(a).exit_code, 0) << flags[0];
    const CommandResult r = run(b);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string sel = "default";
    for (std::size_t i = 0; i + 1 < flags.size(); ++i)
      if (flags[i] == "-s") sel = flags[i + 1];
    if (flags[2].starts_with("--selector=")) sel = flags[2].substr(11);
    for (const char* ext : {".private", ".txt"}) {
      const std::string t = theirs.file(sel + ext), o = ours.file(sel + ext);
      EXPECT_EQ(mode_of(o), mode_of(t)) << sel << ext;
      EXPECT_EQ(mode_of(o), 0600u) << sel << ext;
    }
    EXPECT_EQ(shape(slurp(ours.file(sel + ".txt"))), shape(slurp(theirs.file(sel + ".txt"))))
        << "flags start " << flags[0];
    const std::string tp = slurp(theirs.file(sel + ".private"));
    const std::string op = slurp(ours.file(sel + ".private"));
    EXPECT_EQ(op.substr(0, op.find('\n')), tp.substr(0, tp.find('\n')));  // BEGIN PRIVATE KEY
  }
}

TEST(CachetctlKeygen, RefusesToReplaceAKeyWithoutForce) {
  TempDir dir("keygen");
  ASSERT_EQ(run({kCtl, "keygen", "-D", dir.path(), "-b", "1024"}).exit_code, 0);
  const std::string first = slurp(dir.file("default.private"));
  const CommandResult again = run({kCtl, "keygen", "-D", dir.path(), "-b", "1024"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(dir.file("default.private")), first);
  EXPECT_EQ(run({kCtl, "keygen", "-D", dir.path(), "-b", "1024", "--force"}).exit_code, 0);
  EXPECT_NE(slurp(dir.file("default.private")), first);
  EXPECT_EQ(run({kCtl, "keygen", "-b", "512"}).exit_code, 64);
}

// A key generated by cachetctl keygen, published on the loopback DNS server.
class TestkeyFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ::chmod(dir_.path().c_str(), 0700);
    ASSERT_TRUE(server_.start().has_value());
  }
  void publish(const std::string& sel, const std::string& domain) {
    auto entry = dkim::parse_key_zone(slurp(dir_.file(sel + ".txt")));
    ASSERT_TRUE(entry.has_value());
    zone_.add_txt(sel + "._domainkey." + domain, entry->strings);
  }
  std::string keygen(const std::string& sel, const std::string& type) {
    const CommandResult r = run({kCtl, "keygen", "-D", dir_.path(), "-s", sel, "-d", "example.com", "-k", type});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir_.file(sel + ".private");
  }
  CommandResult testkey(const std::string& sel, const std::string& key) {
    return run({kCtl, "testkey", "-d", "example.com", "-s", sel, "-k", key, "-n", server_.nameserver(), "-T", "2"});
  }
  TempDir dir_{"testkey"};
  dns::ZoneResolver zone_;
  DnsServer server_{zone_};
};

TEST_F(TestkeyFixture, PublishedKeysPassForRsaAndEd25519) {
  for (const char* type : {"rsa", "ed25519"}) {
    const std::string sel = std::string("s-") + type;
    const std::string key = keygen(sel, type);
    publish(sel, "example.com");
    const CommandResult r = testkey(sel, key);
    EXPECT_EQ(r.exit_code, 0) << type << ": " << r.err;
    EXPECT_EQ(r.out, "key OK\n") << type;
  }
  EXPECT_GE(server_.udp_queries() + server_.tcp_queries(), 2u);
}

TEST_F(TestkeyFixture, UnsafePermissionsNameTheFix) {
  const std::string key = keygen("perm", "rsa");
  publish("perm", "example.com");
  ::chmod(key.c_str(), 0604);
  const CommandResult r = testkey("perm", key);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("readable by others (mode 0604); fix: chmod 0600 " + key), std::string::npos) << r.err;
}

TEST_F(TestkeyFixture, ProblemsAreReportedWithExitOne) {
  const std::string a = keygen("a", "rsa");
  const std::string b = keygen("b", "rsa");
  publish("a", "example.com");
  CommandResult r = testkey("a", b);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("keys do not match"), std::string::npos) << r.err;
  r = testkey("b", b);  // not published
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("record not found"), std::string::npos) << r.err;
  zone_.set_servfail("a._domainkey.example.com");
  r = testkey("a", a);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("query failed"), std::string::npos) << r.err;
}

TEST_F(TestkeyFixture, ReadsKeyTableFromOpendkimConf) {
  const std::string a = keygen("ka", "rsa");
  const std::string b = keygen("kb", "ed25519");
  publish("ka", "example.com");
  publish("kb", "example.com");
  const std::string table =
      dir_.write("KeyTable", "ka._domainkey.example.com example.com:ka:" + a + "\nkb example.com:kb:" + b + "\n");
  const std::string conf = dir_.write("opendkim.conf", "Socket local:/x\nKeyTable file:" + table + "\nNameservers " +
                                                           server_.nameserver() + "\nSomethingElse yes\n");
  const CommandResult r = run({kCtl, "testkey", "-x", conf});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "key OK\nkey OK\n");
  EXPECT_NE(r.err.find("2 keys checked; 2 pass, 0 fail"), std::string::npos) << r.err;
}

// ---- interop matrix: signer x verifier x algorithm ----

struct Keys {
  std::string rsa_key, rsa_txt, ed_key, ed_txt;
};

class Interop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("interop");
    ::chmod(dir_->path().c_str(), 0700);
    for (const char* t : {"rsa", "ed25519"}) {
      const std::string sel = std::string("i") + t;
      run({kCtl, "keygen", "-D", dir_->path(), "-s", sel, "-d", "example.com", "-k", t});
    }
  }
  static void TearDownTestSuite() {
    std::printf("\nDKIM interop matrix (signer -> verifier, algorithm: result)\n");
    for (const auto& [cell, result] : matrix_) std::printf("  %-44s %s\n", cell.c_str(), result.c_str());
    delete dir_;
    dir_ = nullptr;
  }
  static std::string sel(const std::string& alg) { return alg == "rsa-sha256" ? "irsa" : "ied25519"; }
  static std::string key(const std::string& alg) { return dir_->file(sel(alg) + ".private"); }
  static std::string txt(const std::string& alg) { return dir_->file(sel(alg) + ".txt"); }
  static std::string key_name(const std::string& alg) { return sel(alg) + "._domainkey.example.com"; }
  static void record(const std::string& cell, const std::string& result) { matrix_[cell] = result; }

  // Signed message, or "" with the reason in `why`.
  std::string sign_with(const std::string& signer, const std::string& alg, std::string& why) {
    if (signer == "cachetctl") {
      const CommandResult r =
          run({kCtl, "sign", "-d", "example.com", "-s", sel(alg), "-k", key(alg), "-a", alg, "-"}, kMessage);
      why = r.err;
      return r.exit_code == 0 ? r.out : "";
    }
    if (signer == "dkimpy") {
      if (!has_dkimpy()) return why = "python3-dkim not installed", "";
      const CommandResult r = run({kPython, kOracle, "sign", alg, sel(alg), "example.com", key(alg)}, kMessage);
      why = r.err;
      return r.exit_code == 0 ? r.out : "";
    }
    return sign_with_opendkim(alg, why);
  }

  std::string sign_with_opendkim(const std::string& alg, std::string& why) {
    if (::access(kOpendkim, X_OK) != 0 || !can_unshare_net()) return why = "opendkim or unshare -n unavailable", "";
    const std::string msg = dir_->write("msg.eml", kMessage);
    const std::string conf = dir_->write("sign.conf", "Mode s\nDomain example.com\nSelector " + sel(alg) +
                                                          "\nKeyFile " + key(alg) + "\nSignatureAlgorithm " + alg +
                                                          "\nCanonicalization relaxed/simple\n"
                                                          "RequireSafeKeys no\nSyslog no\n");
    const CommandResult r = run({kUnshare, "-n", kOpendkim, "-x", conf, "-t", msg, "-vvv"});
    // -vvv prints "### INSHEADER: idx=0 hname='DKIM-Signature' hvalue='...'" (LF folding)
    // on standard output.
    const std::string tag = "hname='DKIM-Signature' hvalue='";
    const auto at = r.out.find(tag);
    if (at == std::string::npos) return why = "opendkim -t added no signature", "";
    const auto end = r.out.find('\'', at + tag.size());
    std::string value = r.out.substr(at + tag.size(), end - at - tag.size());
    std::string crlf;
    for (const char c : value) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return "DKIM-Signature: " + crlf + "\r\n" + kMessage;
  }

  // "pass", "fail: ...", or "" with the reason in `why` (verifier unavailable).
  std::string verify_with(const std::string& verifier, const std::string& alg, const std::string& signed_msg,
                          std::string& why) {
    if (verifier == "cachetctl") {
      const CommandResult r = run({kCtl, "verify", "--key-file", key_name(alg) + "=" + txt(alg), "-"}, signed_msg);
      return r.exit_code == 0 && r.out.starts_with("dkim=pass") ? "pass" : "fail: " + r.out + r.err;
    }
    if (verifier == "dkimpy") {
      if (!has_dkimpy()) return why = "python3-dkim not installed", "";
      const CommandResult r = run({kPython, kOracle, "verify", key_name(alg) + "=" + txt(alg)}, signed_msg);
      return r.exit_code == 0 ? "pass" : "fail: " + r.out + r.err;
    }
    if (::access(kOpendkim, X_OK) != 0 || !can_unshare_net()) return why = "opendkim or unshare -n unavailable", "";
    auto entry = dkim::parse_key_zone(slurp(txt(alg)));
    if (!entry) return why = "zone file unreadable", "";
    const std::string dns = dir_->write("testdns", key_name(alg) + " " + entry->record() + "\n");
    const std::string msg = dir_->write("verify.eml", signed_msg);
    const std::string conf =
        dir_->write("verify.conf", "Mode v\nAuthservID mx.test\nTestDNSData file:" + dns + "\nSyslog no\n");
    const CommandResult r = run({kUnshare, "-n", kOpendkim, "-x", conf, "-t", msg, "-vvv"});
    return r.out.find("dkim=pass") != std::string::npos ? "pass" : "fail: " + r.out + r.err;
  }

  void cell(const std::string& signer, const std::string& verifier, const std::string& alg) {
    const std::string name = signer + " -> " + verifier + ", " + alg;
    std::string why;
    const std::string signed_msg = sign_with(signer, alg, why);
    if (signed_msg.empty()) {
      record(name, "skipped (signer: " + why.substr(0, why.find('\n')) + ")");
      GTEST_SKIP() << name << ": " << why;
    }
    const std::string got = verify_with(verifier, alg, signed_msg, why);
    if (got.empty()) {
      record(name, "skipped (verifier: " + why + ")");
      GTEST_SKIP() << name << ": " << why;
    }
    record(name, got == "pass" ? "pass" : "FAIL");
    EXPECT_EQ(got, "pass") << name;
  }

  static TempDir* dir_;
  static std::map<std::string, std::string> matrix_;
};

TempDir* Interop::dir_ = nullptr;
std::map<std::string, std::string> Interop::matrix_;

TEST_F(Interop, CachetctlToCachetctlRsa) { cell("cachetctl", "cachetctl", "rsa-sha256"); }
TEST_F(Interop, CachetctlToCachetctlEd25519) { cell("cachetctl", "cachetctl", "ed25519-sha256"); }
TEST_F(Interop, CachetctlToDkimpyRsa) { cell("cachetctl", "dkimpy", "rsa-sha256"); }
TEST_F(Interop, CachetctlToDkimpyEd25519) { cell("cachetctl", "dkimpy", "ed25519-sha256"); }
TEST_F(Interop, CachetctlToOpendkimRsa) { cell("cachetctl", "opendkim", "rsa-sha256"); }
TEST_F(Interop, CachetctlToOpendkimEd25519) { cell("cachetctl", "opendkim", "ed25519-sha256"); }
TEST_F(Interop, DkimpyToCachetctlRsa) { cell("dkimpy", "cachetctl", "rsa-sha256"); }
TEST_F(Interop, DkimpyToCachetctlEd25519) { cell("dkimpy", "cachetctl", "ed25519-sha256"); }
TEST_F(Interop, OpendkimToCachetctlRsa) { cell("opendkim", "cachetctl", "rsa-sha256"); }
TEST_F(Interop, OpendkimToCachetctlEd25519) { cell("opendkim", "cachetctl", "ed25519-sha256"); }

TEST_F(Interop, TamperedMessageFailsEverywhere) {
  std::string why;
  std::string signed_msg = sign_with("cachetctl", "rsa-sha256", why);
  ASSERT_FALSE(signed_msg.empty()) << why;
  signed_msg.replace(signed_msg.find("Hello"), 5, "Jello");
  const CommandResult r =
      run({kCtl, "verify", "--key-file", key_name("rsa-sha256") + "=" + txt("rsa-sha256"), "-"}, signed_msg);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.starts_with("dkim=fail")) << r.out;
  if (has_dkimpy()) {
    EXPECT_NE(verify_with("dkimpy", "rsa-sha256", signed_msg, why), "pass");
  }
}

TEST_F(Interop, VerifyFetchesKeysFromTheLoopbackServer) {
  dns::ZoneResolver zone;
  DnsServer server(zone);
  ASSERT_TRUE(server.start().has_value());
  auto entry = dkim::parse_key_zone(slurp(txt("ed25519-sha256")));
  ASSERT_TRUE(entry.has_value());
  zone.add_txt(key_name("ed25519-sha256"), entry->strings);
  std::string why;
  const std::string signed_msg = sign_with("cachetctl", "ed25519-sha256", why);
  const CommandResult r = run({kCtl, "verify", "-n", server.nameserver(), "--authserv-id", "mx.test", "-"}, signed_msg);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      r.out.starts_with("Authentication-Results: mx.test;\n\tdkim=pass (256-bit key) "
                        "header.d=example.com header.i=@example.com "
                        "header.a=ed25519-sha256 header.s=ied25519 header.b="))
      << r.out;
  const CommandResult none = run({kCtl, "verify", "-n", server.nameserver(), "-"}, kMessage);
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.out, "dkim=none\n");
}

}  // namespace
}  // namespace cachet::testlib
