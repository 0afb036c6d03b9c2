// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dkim_milter_test.cpp: the real cachet-dkim binary (build/bin), driven
// by the project's milter client, with keys served by a loopback DnsServer. One daemon per
// test in a temp dir, killed by pid in TearDown; every wait polls a condition.
// Interop (Debian packages as oracles, skipped when absent): python3-dkim verifies what
// cachet-dkim signs (dkim.verify with a dnsfunc fed from the test's zone: no resolver is
// ever asked), and cachet-dkim verifies what dkimpy signs (rsa and ed25519). The matrix is
// printed by Interop.PrintsMatrix.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/base64.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/sign.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using cachet::testlib::Message;
using cachet::testlib::MilterClient;
using cachet::testlib::Transaction;
namespace crypto = cachet::crypto;

template <class F>
bool eventually(F cond, int timeout_ms = 10000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Key {
  std::string pem;
  std::string record;  // TXT value
};

Key make_key(crypto::KeyType type) {
  auto k = crypto::PrivateKey::generate(type, 2048);
  Key out;
  out.pem = std::string(k->to_pem()->view());
  out.record = std::string("v=DKIM1; k=") + (type == crypto::KeyType::rsa ? "rsa" : "ed25519") +
               "; p=" + cachet::base64_encode(*k->public_key_for_dns());
  return out;
}

// Runs a shell command, returns (exit status, stdout).
std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, out};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// TXT rdata as 255-byte character-strings (the resolver concatenates them).
std::vector<std::string> chunks(const std::string& v) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); i += 255) out.push_back(v.substr(i, 255));
  return out;
}

bool have_dkimpy() { return run("/usr/bin/python3 -c 'import dkim' 2>/dev/null").first == 0; }

class Daemon {
 public:
  Daemon(const std::string& conf, const std::string& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 2);
      ::dup2(fd, 1);
      const std::string bin = std::string(CACHET_BIN_DIR) + "/cachet-dkim";
      ::execl(bin.c_str(), bin.c_str(), "-f", "-x", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Daemon() { kill_now(); }
  bool alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return false;
    }
    return true;
  }
  int wait_exit(int ms) {
    eventually([&] { return !alive(); }, ms);
    return pid_ > 0 ? -1 : exit_;
  }
  void signal(int sig) { if (pid_ > 0) ::kill(pid_, sig); }
  void kill_now() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string log() const { return slurp(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int exit_ = -1;
};

class DkimMilter : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns_.start());
    // RSA key generation is slow: one set of keys for the whole suite.
    static const Key rsa = make_key(crypto::KeyType::rsa);
    static const Key ed = make_key(crypto::KeyType::ed25519);
    static const Key foreign = make_key(crypto::KeyType::rsa);
    rsa_ = rsa;
    ed_ = ed;
    foreign_ = foreign;
    zone_.add_txt("sel._domainkey.example.com", chunks(rsa_.record));
    zone_.add_txt("ed._domainkey.example.com", chunks(ed_.record));
    zone_.add_txt("ext._domainkey.sender.example", chunks(foreign_.record));
    rsa_path_ = write_key("rsa.private", rsa_.pem);
    ed_path_ = write_key("ed.private", ed_.pem);
  }
  void TearDown() override { daemon_.reset(); dns_.stop(); }

  std::string write_key(const std::string& name, const std::string& pem, mode_t mode = 0600) {
    const std::string p = dir_.write(name, pem);
    ::chmod(p.c_str(), mode);
    return p;
  }
  std::string socket() const { return dir_.file("dkim.sock"); }
  // The classic guide's shape plus what a test needs (RequireSafeKeys: /tmp is unsafe).
  std::string base_config(const std::string& extra) const {
    return "Canonicalization\trelaxed/simple\nDomain\t\t\texample.com\nKeyFile\t\t\t" + rsa_path_ +
           "\nSelector\t\tsel\nSocket                  local:" + socket() +
           "\nUMask\t\t\t002\nRequireSafeKeys false\nAuthservID mx.test\nNameservers " +
           dns_.nameserver() + "\nDNSTimeout 1\n" + extra;
  }
  Daemon& start(const std::string& conf_text) {
    const std::string conf = dir_.write("dkim.conf", conf_text);
    daemon_ = std::make_unique<Daemon>(conf, dir_.file("dkim.log"));
    EXPECT_TRUE(eventually([&] {
      MilterClient probe;
      return daemon_->alive() && probe.connect("unix:" + socket()).has_value();
    })) << daemon_->log();
    return *daemon_;
  }
  static Message outbound() {
    Message m;
    m.client_addr = "127.0.0.1";
    m.macros = {{"j", "mx.test"}, {"i", "QID1"}};
    m.headers = {{"From", " Alice <alice@example.com>"}, {"To", " bob@other.example"},
                 {"Subject", " hello"}, {"Date", " Mon, 1 Jan 2024 00:00:00 +0000"}};
    m.body = "line one\r\nline two\r\n";
    return m;
  }
  static Message inbound(const std::string& signed_raw) {
    Message m;
    m.client_addr = "192.0.2.1";
    m.macros = {{"j", "mx.test"}, {"i", "QID2"}};
    const auto split = signed_raw.find("\r\n\r\n");
    std::string head = signed_raw.substr(0, split + 2);
    m.body = signed_raw.substr(split + 4);
    std::size_t pos = 0;
    while (pos < head.size()) {
      std::size_t end = head.find("\r\n", pos);
      while (end + 2 < head.size() && (head[end + 2] == ' ' || head[end + 2] == '\t'))
        end = head.find("\r\n", end + 2);
      const std::string line = head.substr(pos, end - pos);
      const auto colon = line.find(':');
      std::string value = line.substr(colon + 1);
      // Postfix hands milters LF folding.
      for (std::size_t i; (i = value.find("\r\n")) != std::string::npos;) value.erase(i, 1);
      m.headers.emplace_back(line.substr(0, colon), value);
      pos = end + 2;
    }
    return m;
  }
  // The transaction stays in last_ so that pointers from find_insert(send(...)) stay valid
  // until the next send.
  const Transaction& send(const Message& m) {
    last_ = send_copy(m);
    return last_;
  }
  Transaction send_copy(const Message& m) {
    MilterClient c;
    EXPECT_TRUE(c.connect("unix:" + socket()));
    auto t = c.send_message(m);
    EXPECT_TRUE(t) << (t ? "" : t.error().detail);
    return t ? *t : Transaction{};
  }
  // A message as it leaves: the inserted headers on top of the sent ones.
  static std::string assemble(const Message& m, const Transaction& t) {
    std::string out;
    for (const auto& r : t.modifications)
      if (r.command == 'i') {
        std::string v = r.value;
        for (std::size_t i = 0; (i = v.find('\n', i)) != std::string::npos; i += 2) v.insert(i, "\r");
        out += r.name + ":" + v + "\r\n";
      }
    for (const auto& [n, v] : m.headers) {
      std::string vv = v;
      for (std::size_t i = 0; (i = vv.find('\n', i)) != std::string::npos; i += 2) vv.insert(i, "\r");
      out += n + ":" + vv + "\r\n";
    }
    return out + "\r\n" + m.body;
  }
  std::string raw(const std::vector<std::string>& headers, const std::string& body) const {
    std::string out;
    for (const auto& h : headers) out += h + "\r\n";
    return out + "\r\n" + body;
  }
  std::string foreign_signed(const std::string& body = "hello there\r\n") const {
    auto key = crypto::PrivateKey::load(crypto::SecretBytes(foreign_.pem));
    cachet::dkim::SignParams p;
    p.domain = "sender.example";
    p.selector = "ext";
    p.key = &*key;
    p.timestamp = static_cast<std::uint64_t>(::time(nullptr));
    const std::string msg = raw({"From: Carol <carol@sender.example>", "To: bob@example.com",
                                 "Subject: inbound"}, body);
    auto sig = cachet::dkim::sign_message(msg, p);
    return "DKIM-Signature: " + *sig + "\r\n" + msg;
  }
  // python3-dkim's verdict on a message, keys from this test's zone (never the resolver).
  bool dkimpy_verifies(const std::string& message) {
    const std::string msg_path = dir_.write("pymsg.eml", message);
    std::string zone;
    for (const auto& [n, r] : std::vector<std::pair<std::string, std::string>>{
             {"sel._domainkey.example.com.", rsa_.record}, {"ed._domainkey.example.com.", ed_.record}})
      zone += n + "\t" + r + "\n";
    const std::string zone_path = dir_.write("pyzone.txt", zone);
    const std::string script = dir_.write("verify.py",
        "import sys, dkim\n"
        "zone = dict(l.rstrip('\\n').split('\\t', 1) for l in open(sys.argv[2]))\n"
        "def dns(name, timeout=5):\n"
        "    n = name.decode() if isinstance(name, bytes) else name\n"
        "    v = zone.get(n if n.endswith('.') else n + '.')\n"
        "    return v.encode() if v else None\n"
        "msg = open(sys.argv[1], 'rb').read()\n"
        "d = dkim.DKIM(msg)\n"
        "ok = all(d.verify(idx=i, dnsfunc=dns) for i in range(len([h for h in d.headers if h[0].lower() == b'dkim-signature'])))\n"
        "sys.exit(0 if ok else 1)\n");
    return run("/usr/bin/python3 " + script + " " + msg_path + " " + zone_path).first == 0;
  }
  // A message signed by python3-dkim with our zone's keys.
  std::string dkimpy_signed(bool ed25519) {
    const std::string msg = raw({"From: Alice <alice@example.com>", "To: bob@example.com",
                                 "Subject: from dkimpy"}, "body from dkimpy\r\n");
    const std::string msg_path = dir_.write("pyin.eml", msg);
    const std::string script = dir_.write("sign.py",
        "import sys, dkim\n"
        "msg = open(sys.argv[1], 'rb').read()\n"
        "key = open(sys.argv[2], 'rb').read()\n"
        "alg = sys.argv[3].encode()\n"
        "sel = b'ed' if alg == b'ed25519-sha256' else b'sel'\n"
        "sig = dkim.sign(msg, sel, b'example.com', key, canonicalize=(b'relaxed', b'relaxed'), "
        "signature_algorithm=alg)\n"
        "sys.stdout.buffer.write(sig + msg)\n");
    std::string key_arg = rsa_path_;
    if (ed25519) {
      // dkimpy wants the raw 32-byte seed in base64; take it from the PKCS#8 DER.
      key_arg = dir_.write("ed.seed", "");
      const std::string conv = dir_.write("conv.py",
          "import sys, base64\n"
          "pem = open(sys.argv[1]).read().split('\\n')\n"
          "der = base64.b64decode(''.join(l for l in pem if l and not l.startswith('-----')))\n"
          "open(sys.argv[2], 'w').write(base64.b64encode(der[-32:]).decode())\n");
      (void)run("/usr/bin/python3 " + conv + " " + ed_path_ + " " + key_arg);
    }
    auto [rc, out] = run("/usr/bin/python3 " + sign_script_or(script) + " " + msg_path + " " + key_arg +
                         " " + (ed25519 ? "ed25519-sha256" : "rsa-sha256"));
    if (rc != 0) return {};
    std::string crlf;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) crlf += '\r';
      crlf += out[i];
    }
    return crlf;
  }
  static const std::string& sign_script_or(const std::string& s) { return s; }

  cachet::test::TempDir dir_{"cachet-dkimd"};
  cachet::dns::ZoneResolver zone_;
  cachet::test::DnsServer dns_{zone_};
  Key rsa_, ed_, foreign_;
  std::string rsa_path_, ed_path_;
  std::unique_ptr<Daemon> daemon_;
  Transaction last_;
};

const cachet::milter::wire::Reply* find_insert(const Transaction& t, std::string_view name) {
  return t.find('i', name);
}

TEST_F(DkimMilter, SignsSingleKeyModeLikeOpendkim) {
  start(base_config(""));
  const Message m = outbound();
  const Transaction t = send(m);
  const auto* sig = find_insert(t, "DKIM-Signature");
  ASSERT_NE(sig, nullptr) << daemon_->log();
  EXPECT_EQ(sig->index, 0u);
  EXPECT_EQ(sig->value.rfind(" v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel;\n\tt=", 0), 0u)
      << sig->value;
  EXPECT_NE(sig->value.find("h=From:To:Subject:Date;"), std::string::npos) << sig->value;
  EXPECT_TRUE(eventually([&] {
    return daemon_->log().find("dkim.sign qid=QID1 d=example.com s=sel a=rsa-sha256") != std::string::npos;
  })) << daemon_->log();
  if (have_dkimpy()) {
    EXPECT_TRUE(dkimpy_verifies(assemble(m, t)));
  }
}

TEST_F(DkimMilter, AuthenticatedClientIsSignedExternalIsNot) {
  start(base_config(""));
  Message m = outbound();
  m.client_addr = "192.0.2.9";
  EXPECT_EQ(find_insert(send(m), "DKIM-Signature"), nullptr);
  m.macros["{auth_authen}"] = "alice";
  EXPECT_NE(find_insert(send(m), "DKIM-Signature"), nullptr);
}

TEST_F(DkimMilter, DualSignatureFromKeyTableAndSigningTable) {
  const std::string kt = dir_.write("KeyTable", "rsakey example.com:sel:" + rsa_path_ +
                                                    "\nedkey example.com:ed:" + ed_path_ + ":ed25519-sha256\n");
  const std::string st = dir_.write("SigningTable", "*@example.com rsakey\n*@example.com edkey\n");
  start(base_config("KeyTable file:" + kt + "\nSigningTable refile:" + st + "\nMultipleSignatures yes\n"));
  const Message m = outbound();
  const Transaction t = send(m);
  int sigs = 0;
  bool has_ed = false;
  for (const auto& r : t.modifications)
    if (r.command == 'i' && r.name == "DKIM-Signature") {
      ++sigs;
      has_ed = has_ed || r.value.find("a=ed25519-sha256") != std::string::npos;
    }
  EXPECT_EQ(sigs, 2) << daemon_->log();
  EXPECT_TRUE(has_ed);
  if (have_dkimpy()) {
    EXPECT_TRUE(dkimpy_verifies(assemble(m, t)));
  }
}

TEST_F(DkimMilter, VerifiesPassAndFailWithOpendkimAuthResults) {
  start(base_config(""));
  const Transaction ok = send_copy(inbound(foreign_signed()));
  const auto* ar = find_insert(ok, "Authentication-Results");
  ASSERT_NE(ar, nullptr) << daemon_->log();
  EXPECT_EQ(ar->index, 0u);
  EXPECT_EQ(ar->value.rfind(" mx.test;\n\tdkim=pass (2048-bit key) header.d=sender.example "
                            "header.i=@sender.example header.a=rsa-sha256 header.s=ext header.b=", 0), 0u)
      << ar->value;
  std::string tampered = foreign_signed();
  tampered.replace(tampered.find("hello there"), 5, "HELLO");
  const Transaction bad = send_copy(inbound(tampered));
  ASSERT_NE(find_insert(bad, "Authentication-Results"), nullptr);
  EXPECT_NE(find_insert(bad, "Authentication-Results")->value.find("dkim=fail reason="), std::string::npos);
  EXPECT_TRUE(bad.accepted());  // On-BadSignature default: accept
}

TEST_F(DkimMilter, DnsTimeoutIsTempfailNeverPass) {
  zone_.set_timeout("ext._domainkey.sender.example");
  start(base_config(""));
  const Transaction t = send(inbound(foreign_signed()));
  EXPECT_EQ(t.final_command, 'y') << daemon_->log();
  EXPECT_NE(t.reply_text.find("451 4.7.5 DKIM key retrieval failed"), std::string::npos) << t.reply_text;
}

TEST_F(DkimMilter, OnBadSignatureRejectUsesOpendkimText) {
  start(base_config("On-BadSignature reject\n"));
  std::string tampered = foreign_signed();
  tampered.replace(tampered.find("hello there"), 5, "HELLO");
  const Transaction t = send(inbound(tampered));
  EXPECT_EQ(t.final_command, 'y');
  EXPECT_NE(t.reply_text.find("550 5.7.0 bad DKIM signature data"), std::string::npos) << t.reply_text;
}

TEST_F(DkimMilter, RemovesEveryForgedAuthResults) {
  start(base_config(""));
  Message m = inbound(foreign_signed());
  for (int i = 0; i < 5; ++i)
    m.headers.insert(m.headers.begin() + 1, {"Authentication-Results", " mx.test; dkim=pass header.d=bank.example"});
  m.headers.insert(m.headers.begin(), {"Authentication-Results", " other.example; dkim=pass"});
  const Transaction t = send(m);
  std::vector<std::uint32_t> deleted;
  for (const auto& r : t.modifications)
    if (r.command == 'm' && r.name == "Authentication-Results" && r.value.empty()) deleted.push_back(r.index);
  EXPECT_EQ(deleted, (std::vector<std::uint32_t>{6, 5, 4, 3, 2})) << daemon_->log();
}

TEST_F(DkimMilter, ReloadPicksUpNewSelectorAndKeepsStateOnBrokenKey) {
  Daemon& d = start(base_config(""));
  const std::string conf = dir_.file("dkim.conf");
  dir_.write("dkim.conf", base_config("").replace(base_config("").find("Selector\t\tsel"), 13, "Selector\t\tnew"));
  d.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return d.log().find("config.reloaded") != std::string::npos; })) << d.log();
  const auto* sig = find_insert(send(outbound()), "DKIM-Signature");
  ASSERT_NE(sig, nullptr);
  EXPECT_NE(sig->value.find("s=new;"), std::string::npos);
  write_key("rsa.private", "garbage");
  d.signal(SIGUSR1);
  ASSERT_TRUE(eventually([&] { return d.log().find("config.reload_failed") != std::string::npos; })) << d.log();
  sig = find_insert(send(outbound()), "DKIM-Signature");
  ASSERT_NE(sig, nullptr);  // the old key still signs
}

TEST_F(DkimMilter, KeyReadableByOthersIsRefusedWithTheFix) {
  const std::string unsafe = write_key("unsafe.private", rsa_.pem, 0644);
  std::string conf = base_config("");
  conf.replace(conf.find("RequireSafeKeys false"), 21, "RequireSafeKeys true");
  conf.replace(conf.find(rsa_path_), rsa_path_.size(), unsafe);
  const std::string path = dir_.write("dkim.conf", conf);
  Daemon d(path, dir_.file("dkim.log"));
  EXPECT_EQ(d.wait_exit(10000), 78) << d.log();
  EXPECT_NE(d.log().find("chmod 600 " + unsafe), std::string::npos) << d.log();
}

TEST_F(DkimMilter, BadInputGivesClearResults) {
  start(base_config("AlwaysAddARHeader yes\n"));
  // d= with comment characters (CVE-2020-12272): permerror, never pass.
  Message m = inbound(foreign_signed());
  std::string& sig = m.headers.front().second;
  sig.replace(sig.find("d=sender.example"), 16, "d=sender.example(.attacker.example");
  const auto* ar = find_insert(send(m), "Authentication-Results");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->value.find("dkim=pass"), std::string::npos) << ar->value;
  // Duplicate tags.
  m = inbound(foreign_signed());
  m.headers.front().second += "; d=sender.example";
  ar = find_insert(send(m), "Authentication-Results");
  ASSERT_NE(ar, nullptr);
  EXPECT_NE(ar->value.find("dkim=permerror"), std::string::npos) << ar->value << daemon_->log();
  // Two key records for one selector.
  zone_.add_txt("ext._domainkey.sender.example", chunks(foreign_.record));
  ar = find_insert(send(inbound(foreign_signed())), "Authentication-Results");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->value.find("dkim=pass"), std::string::npos) << ar->value;
  zone_.remove("ext._domainkey.sender.example");
  zone_.add_txt("ext._domainkey.sender.example", chunks(foreign_.record));
  // Thousands of headers, huge folded lines, 8-bit, a body without CRLF.
  m = inbound(foreign_signed());
  for (int i = 0; i < 3000; ++i) m.headers.emplace_back("X-Junk", " \xff\xfe value " + std::to_string(i));
  m.headers.emplace_back("X-Long", " " + std::string(30000, 'a') + "\n\t" + std::string(30000, 'b'));
  m.body = "no final newline";
  const Transaction t = send(m);
  EXPECT_TRUE(t.accepted());
  // A client that vanishes mid-message; the daemon keeps serving.
  {
    MilterClient c;
    ASSERT_TRUE(c.connect("unix:" + socket()));
    Message half = outbound();
    ASSERT_TRUE(c.negotiate());
    ASSERT_TRUE(c.send_connect(half));
    ASSERT_TRUE(c.send_mail(half));
    ASSERT_TRUE(c.send_header("From", " a@example.com"));
    c.close();
  }
  EXPECT_NE(find_insert(send(outbound()), "DKIM-Signature"), nullptr);
}

TEST_F(DkimMilter, InteropMatrix) {
  if (!have_dkimpy()) GTEST_SKIP() << "python3-dkim not installed (scripts/packages.d/dkim.txt)";
  start(base_config(""));
  std::vector<std::pair<std::string, bool>> rows;
  // cachet-dkim signs, dkimpy verifies.
  const Message m = outbound();
  rows.emplace_back("cachet-dkim rsa-sha256 -> dkimpy verify", dkimpy_verifies(assemble(m, send(m))));
  // dkimpy signs, cachet-dkim verifies.
  for (const bool ed : {false, true}) {
    const std::string signed_msg = dkimpy_signed(ed);
    bool pass = false;
    if (!signed_msg.empty()) {
      const auto* ar = find_insert(send(inbound(signed_msg)), "Authentication-Results");
      pass = ar && ar->value.find("dkim=pass") != std::string::npos;
      if (!pass) std::cout << "  (A-R: " << (ar ? ar->value : "none") << ")\n";
    } else {
      std::cout << "  (dkimpy did not sign)\n";
    }
    rows.emplace_back(std::string("dkimpy ") + (ed ? "ed25519-sha256" : "rsa-sha256") + " -> cachet-dkim verify", pass);
  }
  std::cout << "interop matrix:\n";
  for (const auto& [name, ok] : rows) {
    std::cout << "  " << name << ": " << (ok ? "pass" : "FAIL") << "\n";
    EXPECT_TRUE(ok) << name;
  }
}

}  // namespace
