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
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/crypto/crypto.hpp"
#include "common/dkim/sign.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/daemon_process.hpp"
#include "tests/lib/dkim_keys.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/http_get.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

using cachet::testlib::Message;
using cachet::testlib::MilterClient;
using cachet::testlib::Transaction;
namespace crypto = cachet::crypto;

using cachet::testlib::DaemonProcess;
using cachet::testlib::eventually;

using Key = cachet::testlib::DkimTestKey;
using cachet::testlib::make_dkim_key;
using cachet::testlib::txt_chunks;

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

bool have_dkimpy() { return run("/usr/bin/python3 -c 'import dkim' 2>/dev/null").first == 0; }
bool have_opendkim() { return ::access("/usr/sbin/opendkim", X_OK) == 0; }

std::string to_crlf(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
    out += in[i];
  }
  return out;
}

std::size_t count(const std::string& hay, std::string_view needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// cachet-dkim in the foreground on one configuration file (tests/lib's DaemonProcess).
class Daemon : public DaemonProcess {
 public:
  Daemon(const std::string& conf, const std::string& log)
      : DaemonProcess({std::string(CACHET_BIN_DIR) + "/cachet-dkim", "-f", "-x", conf}, log) {}
};

class DkimMilter : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns_.start());
    // RSA key generation is slow: one set of keys for the whole suite.
    static const Key kRsa = make_dkim_key(crypto::KeyType::rsa);
    static const Key kEd = make_dkim_key(crypto::KeyType::ed25519);
    static const Key kForeign = make_dkim_key(crypto::KeyType::rsa);
    rsa_ = kRsa;
    ed_ = kEd;
    foreign_ = kForeign;
    zone_.add_txt("sel._domainkey.example.com", txt_chunks(rsa_.record));
    zone_.add_txt("ed._domainkey.example.com", txt_chunks(ed_.record));
    zone_.add_txt("ext._domainkey.sender.example", txt_chunks(foreign_.record));
    zone_.add_txt("ext._domainkey.list.example", txt_chunks(foreign_.record));
    rsa_path_ = write_key("rsa.private", rsa_.pem);
    ed_path_ = write_key("ed.private", ed_.pem);
  }
  void TearDown() override {
    daemon_.reset();
    dns_.stop();
  }

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
           "\nUMask\t\t\t002\nRequireSafeKeys false\nAuthservID mx.test\nNameservers " + dns_.nameserver() +
           "\nDNSTimeout 1\n" + extra;
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
  void restart_with(const std::string& conf_text) {
    daemon_.reset();
    start(conf_text);
  }
  static Message outbound() {
    Message m;
    m.client_addr = "127.0.0.1";
    m.macros = {{"j", "mx.test"}, {"i", "QID1"}};
    m.headers = {{"From", " Alice <alice@example.com>"},
                 {"To", " bob@other.example"},
                 {"Subject", " hello"},
                 {"Date", " Mon, 1 Jan 2024 00:00:00 +0000"}};
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
      while (end + 2 < head.size() && (head[end + 2] == ' ' || head[end + 2] == '\t')) end = head.find("\r\n", end + 2);
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
    return signed_as("sender.example",
                     raw({"From: Carol <carol@sender.example>", "To: bob@example.com", "Subject: inbound"}, body));
  }
  // `msg` with one more DKIM-Signature on top, d=domain s=ext (the foreign key).
  std::string signed_as(const std::string& domain, const std::string& msg) const {
    auto key = crypto::PrivateKey::load(crypto::SecretBytes(foreign_.pem));
    cachet::dkim::SignParams p;
    p.domain = domain;
    p.selector = "ext";
    p.key = &*key;
    p.timestamp = static_cast<std::uint64_t>(::time(nullptr));
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
                                          "ok = all(d.verify(idx=i, dnsfunc=dns) for i in range(len([h for h in "
                                          "d.headers if h[0].lower() == b'dkim-signature'])))\n"
                                          "sys.exit(0 if ok else 1)\n");
    return run("/usr/bin/python3 " + script + " " + msg_path + " " + zone_path).first == 0;
  }
  // A message signed by python3-dkim with our zone's keys.
  std::string dkimpy_signed(bool ed25519) {
    const std::string msg =
        raw({"From: Alice <alice@example.com>", "To: bob@example.com", "Subject: from dkimpy"}, "body from dkimpy\r\n");
    const std::string msg_path = dir_.write("pyin.eml", msg);
    const std::string script =
        dir_.write("sign.py",
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
      const std::string conv =
          dir_.write("conv.py",
                     "import sys, base64\n"
                     "pem = open(sys.argv[1]).read().split('\\n')\n"
                     "der = base64.b64decode(''.join(l for l in pem if l and not l.startswith('-----')))\n"
                     "open(sys.argv[2], 'w').write(base64.b64encode(der[-32:]).decode())\n");
      (void)run("/usr/bin/python3 " + conv + " " + ed_path_ + " " + key_arg);
    }
    auto [rc, out] = run("/usr/bin/python3 " + sign_script_or(script) + " " + msg_path + " " + key_arg + " " +
                         (ed25519 ? "ed25519-sha256" : "rsa-sha256"));
    if (rc != 0) return {};
    std::string crlf;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) crlf += '\r';
      crlf += out[i];
    }
    return crlf;
  }
  static const std::string& sign_script_or(const std::string& s) { return s; }

  // opendkim's test mode (-t, keys from TestDNSData: no resolver involved) as an oracle.
  std::string opendkim_test(const std::string& conf_text, const std::string& message) {
    const std::string conf = dir_.write("opendkim.conf", conf_text);
    const std::string msg = dir_.write("odk.eml", message);
    return run("timeout 20 /usr/sbin/opendkim -x " + conf + " -vvv -t " + msg + " 2>&1").second;
  }
  // True when opendkim finds every signature of the message good.
  bool opendkim_verifies(const std::string& message) {
    const std::string dns = dir_.write("odk-dns.txt", "sel._domainkey.example.com " + rsa_.record +
                                                          "\ned._domainkey.example.com " + ed_.record + "\n");
    const std::string out = opendkim_test("Mode v\nTestDNSData file:" + dns + "\nAuthservID mx.test\n", message);
    const auto sigs = count(message, "DKIM-Signature:");
    return sigs > 0 && count(out, "dkim=pass") == sigs;
  }
  // A message signed by opendkim with this test's keys (empty if it did not sign).
  std::string opendkim_signed(bool ed25519) {
    const std::string msg = raw({"From: Alice <alice@example.com>", "To: bob@example.com", "Subject: from opendkim"},
                                "body from opendkim\r\n");
    const std::string out = opendkim_test("Mode s\nDomain example.com\nKeyFile " + (ed25519 ? ed_path_ : rsa_path_) +
                                              "\nSelector " + (ed25519 ? "ed" : "sel") + "\nSignatureAlgorithm " +
                                              (ed25519 ? "ed25519-sha256" : "rsa-sha256") +
                                              "\nRequireSafeKeys false\nCanonicalization relaxed/simple\n",
                                          msg);
    const auto start = out.find("hvalue='");
    const auto end = out.find("'\n", start);
    if (start == std::string::npos || end == std::string::npos) return {};
    return "DKIM-Signature: " + to_crlf(out.substr(start + 8, end - start - 8)) + "\r\n" + msg;
  }

  cachet::testlib::TempDir dir_{"cachet-dkimd"};
  cachet::dns::ZoneResolver zone_;
  cachet::testlib::DnsServer dns_{zone_};
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
  EXPECT_EQ(sig->value.rfind(" v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel;\n\tt=", 0), 0u) << sig->value;
  EXPECT_NE(sig->value.find("h=From:To:Subject:Date;"), std::string::npos) << sig->value;
  EXPECT_TRUE(eventually([&] {
    return daemon_->log().find("dkim.decision qid=QID1 sign=yes d=example.com s=sel a=rsa-sha256") != std::string::npos;
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
  // The decision line says why the first was not signed and why the second was.
  EXPECT_TRUE(eventually([&] {
    const std::string log = daemon_->log();
    return log.find(
               "dkim.decision qid=QID1 sign=no why=\"client 192.0.2.9 is not in InternalHosts "
               "and did not authenticate\" verify=none") != std::string::npos &&
           log.find(
               "dkim.decision qid=QID1 sign=yes d=example.com s=sel a=rsa-sha256 "
               "why=\"authenticated as alice\"") != std::string::npos;
  })) << daemon_->log();
}

// PeerList: opendkim passes these clients' mail through untouched. The accept comes at the
// no-reply CONNECT step, so the milter layer holds it for every message of the session.
TEST_F(DkimMilter, PeerListClientIsPassedThroughUntouchedForEveryMessage) {
  start(base_config("PeerList 127.0.0.1\n"));
  MilterClient c;
  ASSERT_TRUE(c.connect("unix:" + socket()));
  for (int i = 0; i < 2; ++i) {
    auto t = c.send_message(outbound());
    ASSERT_TRUE(t) << t.error().detail;
    EXPECT_EQ(t->final_command, 'a') << i << daemon_->log();
    EXPECT_TRUE(t->modifications.empty()) << i;
  }
  Message other = outbound();
  other.client_addr = "127.0.0.2";  // an InternalHosts client, not a peer: signed
  other.macros["{auth_authen}"] = "alice";
  EXPECT_NE(find_insert(send(other), "DKIM-Signature"), nullptr) << daemon_->log();
}

TEST_F(DkimMilter, LogFormatJsonWritesOneObjectPerLine) {
  start(base_config("LogFormat json\n"));
  Message m = outbound();
  EXPECT_NE(find_insert(send(m), "DKIM-Signature"), nullptr);
  std::string tampered = foreign_signed();
  tampered.replace(tampered.find("hello there"), 5, "HELLO");
  (void)send_copy(inbound(tampered));
  const auto decided = [&] {
    const std::string log = daemon_->log();
    const auto first = log.find("\"dkim.decision\"");
    return first != std::string::npos && log.find("\"dkim.decision\"", first + 1) != std::string::npos;
  };
  ASSERT_TRUE(eventually(decided)) << daemon_->log();
  std::size_t decisions = 0;
  std::istringstream lines(daemon_->log());
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
    const auto doc = nlohmann::json::parse(line);
    ASSERT_TRUE(doc.contains("event") && doc.contains("level")) << line;
    if (doc["event"] != "dkim.decision") continue;
    ++decisions;
    for (const char* key : {"qid", "sign", "why"}) EXPECT_TRUE(doc.contains(key)) << key << " in " << line;
    if (doc["sign"] == "no") {
      EXPECT_EQ(doc["verify"], "fail") << line;
      EXPECT_NE(doc["sigs"].get<std::string>().find("fail (body hash mismatch)"), std::string::npos) << line;
    } else {
      EXPECT_EQ(doc["d"], "example.com") << line;
    }
  }
  EXPECT_EQ(decisions, 2u);
}

TEST_F(DkimMilter, MetricsEndpointCountsWhatWasSent) {
  start(base_config("MetricsListen 127.0.0.1:0\n"));
  ASSERT_TRUE(eventually([&] { return daemon_->log().find("metrics.listening") != std::string::npos; }))
      << daemon_->log();
  const std::string log = daemon_->log();
  const auto at = log.find("port=", log.find("metrics.listening"));
  const int port = std::stoi(log.substr(at + 5));
  Message m = outbound();
  EXPECT_NE(find_insert(send(m), "DKIM-Signature"), nullptr);  // signed
  m.client_addr = "192.0.2.9";
  (void)send(m);                               // not signed, no signature
  (void)send_copy(inbound(foreign_signed()));  // not signed, verify pass
  std::string tampered = foreign_signed();
  tampered.replace(tampered.find("hello there"), 5, "HELLO");
  (void)send_copy(inbound(tampered));  // not signed, verify fail
  ASSERT_TRUE(eventually([&] { return count(daemon_->log(), "dkim.decision ") == 4; })) << daemon_->log();
  const auto body = cachet::testlib::http_get(port, "/metrics");
  ASSERT_TRUE(body) << body.error().detail;
  for (const char* want : {"cachet_dkim_messages_total{decision=\"signed\"} 1\n",
                           "cachet_dkim_messages_total{decision=\"not_signed\"} 3\n",
                           "cachet_dkim_messages_total{decision=\"sign_error\"} 0\n",
                           "cachet_dkim_signatures_total{algorithm=\"rsa-sha256\"} 1\n",
                           "cachet_dkim_verify_results_total{result=\"none\"} 1\n",
                           "cachet_dkim_verify_results_total{result=\"pass\"} 1\n",
                           "cachet_dkim_verify_results_total{result=\"fail\"} 1\n",
                           "cachet_reloads_total{outcome=\"ok\"} 0\n", "cachet_milter_internal_errors_total 0\n",
                           "cachet_dns_queries_total{status=\"answer\"} 1\n",  // the key, once
                           "cachet_dns_query_seconds_count 1\n",
                           "cachet_dns_cache_hits_total 1\n",  // the key, again
                           "cachet_dns_cache_entries 1\n", "# TYPE cachet_milter_connections_open gauge\n"})
    EXPECT_NE(body->find(want), std::string::npos) << want << " in\n" << *body;
  EXPECT_EQ(body->find("domain="), std::string::npos) << "a domain label without MetricsDomains:\n" << *body;
  if (::access("/usr/bin/promtool", X_OK) != 0) {
    std::cout << "[ skip ] promtool not installed (scripts/packages.d/metrics.txt)\n";
    return;
  }
  const auto check = cachet::testlib::run_command({"/usr/bin/promtool", "check", "metrics"}, *body);
  ASSERT_TRUE(check);
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
}

// MetricsDomains: the listed signing domain gets its own label value; a foreign d= counts
// as "other", never under its own name.
TEST_F(DkimMilter, MetricsDomainsLabelsOnlyListedDomains) {
  start(base_config("MetricsListen 127.0.0.1:0\nMetricsDomains Example.COM, example.net\n"));
  ASSERT_TRUE(eventually([&] { return daemon_->log().find("metrics.listening") != std::string::npos; }))
      << daemon_->log();
  const std::string log = daemon_->log();
  const int port = std::stoi(log.substr(log.find("port=", log.find("metrics.listening")) + 5));
  EXPECT_NE(find_insert(send(outbound()), "DKIM-Signature"), nullptr);  // d=example.com
  (void)send_copy(inbound(foreign_signed()));                           // d=sender.example, pass
  ASSERT_TRUE(eventually([&] { return count(daemon_->log(), "dkim.decision ") == 2; })) << daemon_->log();
  const auto body = cachet::testlib::http_get(port, "/metrics");
  ASSERT_TRUE(body) << body.error().detail;
  for (const char* want : {"cachet_dkim_domain_signatures_total{algorithm=\"rsa-sha256\",domain=\"example.com\"} 1\n",
                           "cachet_dkim_domain_verify_results_total{domain=\"other\",result=\"pass\"} 1\n"})
    EXPECT_NE(body->find(want), std::string::npos) << want << " in\n" << *body;
  EXPECT_EQ(body->find("sender.example"), std::string::npos) << *body;
  if (::access("/usr/bin/promtool", X_OK) == 0) {
    const auto check = cachet::testlib::run_command({"/usr/bin/promtool", "check", "metrics"}, *body);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
  }
}

TEST_F(DkimMilter, DualSignatureFromKeyTableAndSigningTable) {
  const std::string kt = dir_.write(
      "KeyTable", "rsakey example.com:sel:" + rsa_path_ + "\nedkey example.com:ed:" + ed_path_ + ":ed25519-sha256\n");
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
                            "header.i=@sender.example header.a=rsa-sha256 header.s=ext header.b=",
                            0),
            0u)
      << ar->value;
  std::string tampered = foreign_signed();
  tampered.replace(tampered.find("hello there"), 5, "HELLO");
  const Transaction bad = send_copy(inbound(tampered));
  ASSERT_NE(find_insert(bad, "Authentication-Results"), nullptr);
  EXPECT_NE(find_insert(bad, "Authentication-Results")->value.find("dkim=fail reason="), std::string::npos);
  EXPECT_TRUE(bad.accepted());  // On-BadSignature default: accept
}

TEST_F(DkimMilter, MustBeSignedFailsAnUncoveredField) {
  // opendkim 2.11 (-t, same input): dkim=fail reason="unprotected header field" in the
  // A-R, and no On-* action even with On-BadSignature reject.
  start(base_config("MustBeSigned X-Priority,List-Id\nOn-BadSignature reject\n"));
  Message m = inbound(foreign_signed());
  const auto* ar = find_insert(send(m), "Authentication-Results");
  ASSERT_NE(ar, nullptr) << daemon_->log();
  EXPECT_NE(ar->value.find("dkim=pass"), std::string::npos) << "listed fields absent: no requirement";
  m.headers.emplace_back("X-Priority", " 1");  // added after signing: not in h=
  ar = find_insert(send(m), "Authentication-Results");
  ASSERT_NE(ar, nullptr) << daemon_->log();
  EXPECT_NE(ar->value.find("dkim=fail reason=\"unprotected header field\" (2048-bit key) header.d=sender.example"),
            std::string::npos)
      << ar->value;
  EXPECT_TRUE(last_.accepted()) << last_.reply_text;
}

TEST_F(DkimMilter, TrustSignaturesFromDecidesWhichSignaturesCount) {
  // A mailing list's signature on top of the author's. Expected rows as opendkim 2.11 -t
  // writes them for the same configurations (ignored signatures: dkim=neutral).
  const std::string msg = signed_as("list.example", foreign_signed());
  auto results_in_ar = [&](const std::string& conf) {
    restart_with(base_config(conf));
    const auto* ar = find_insert(send(inbound(msg)), "Authentication-Results");
    if (ar == nullptr) return std::string("(none)");
    std::string out;
    const std::string& v = ar->value;
    for (auto p = v.find("dkim="); p != std::string::npos; p = v.find("dkim=", p + 1)) {
      const auto d = v.find("header.d=", p);
      out += v.substr(p + 5, v.find_first_of(" ;", p) - p - 5) + ":" +
             (d == std::string::npos ? "" : v.substr(d + 9, v.find(' ', d) - d - 9)) + ";";
    }
    return out;
  };
  EXPECT_EQ(results_in_ar("MaximumSignaturesToVerify 1\n"), "pass:list.example;neutral:sender.example;");
  EXPECT_EQ(results_in_ar("MaximumSignaturesToVerify 1\nTrustSignaturesFrom sender.example\n"),
            "neutral:list.example;pass:sender.example;");
  EXPECT_EQ(results_in_ar("TrustSignaturesFrom sender.example\n"), "pass:list.example;pass:sender.example;");
  // 0: only the author's domain and trusted signers (opendkim's other branch).
  EXPECT_EQ(results_in_ar("MaximumSignaturesToVerify 0\n"), "neutral:list.example;pass:sender.example;");
  EXPECT_EQ(results_in_ar("MaximumSignaturesToVerify 0\nTrustSignaturesFrom list.example\n"),
            "pass:list.example;pass:sender.example;");
  // Every signature ignored: dkim=none (AlwaysAddARHeader only) and no action, as opendkim.
  const std::string list_only = signed_as(
      "list.example", raw({"From: Carol <carol@sender.example>", "To: bob@example.com", "Subject: x"}, "hi\r\n"));
  restart_with(base_config("MaximumSignaturesToVerify 0\nOn-NoSignature reject\n"));
  const Transaction& t = send(inbound(list_only));
  EXPECT_TRUE(t.accepted()) << t.reply_text;
  EXPECT_EQ(find_insert(t, "Authentication-Results"), nullptr);
  restart_with(base_config("MaximumSignaturesToVerify 0\nAlwaysAddARHeader yes\n"));
  const auto* ar = find_insert(send(inbound(list_only)), "Authentication-Results");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->value, " mx.test; dkim=none");
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
  const std::string unsafe = write_key("unsafe.private", rsa_.pem, 0604);
  std::string conf = base_config("");
  conf.replace(conf.find("RequireSafeKeys false"), 21, "RequireSafeKeys true");
  conf.replace(conf.find(rsa_path_), rsa_path_.size(), unsafe);
  const std::string path = dir_.write("dkim.conf", conf);
  Daemon d(path, dir_.file("dkim.log"));
  EXPECT_EQ(d.wait_exit(), 78) << d.log();
  EXPECT_NE(d.log().find(unsafe + ": readable by others (mode 0604); fix: chmod 0600 " + unsafe), std::string::npos)
      << d.log();
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
  zone_.add_txt("ext._domainkey.sender.example", txt_chunks(foreign_.record));
  ar = find_insert(send(inbound(foreign_signed())), "Authentication-Results");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->value.find("dkim=pass"), std::string::npos) << ar->value;
  zone_.remove("ext._domainkey.sender.example");
  zone_.add_txt("ext._domainkey.sender.example", txt_chunks(foreign_.record));
  // Thousands of headers, huge folded lines, 8-bit, a NUL byte and no CRLF in the body.
  m = inbound(foreign_signed());
  for (int i = 0; i < 3000; ++i) m.headers.emplace_back("X-Junk", " \xff\xfe value " + std::to_string(i));
  m.headers.emplace_back("X-Long", " " + std::string(30000, 'a') + "\n\t" + std::string(30000, 'b'));
  m.body = std::string("NUL \0 inside, ", 15) + "no final newline";
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

// Not a benchmark (deliverable 8 is another helper's): a smoke figure per path, one
// connection, concurrency 1, so regressions of orders of magnitude show up in the log.
TEST_F(DkimMilter, MeasuresPerMessageCost) {
  const std::string kt = dir_.write(
      "KeyTable", "rsakey example.com:sel:" + rsa_path_ + "\nedkey example.com:ed:" + ed_path_ + ":ed25519-sha256\n");
  const std::string st = dir_.write("SigningTable", "*@example.com rsakey\n");
  const std::string st_ed = dir_.write("SigningTable.ed", "*@example.com edkey\n");
  constexpr int kMessages = 300;
  for (const auto& [label, table] : std::vector<std::pair<std::string, std::string>>{
           {"sign rsa-sha256 2048", st}, {"sign ed25519-sha256", st_ed}, {"verify rsa-sha256", st}}) {
    Daemon& d = start(base_config("KeyTable file:" + kt + "\nSigningTable refile:" + table + "\n"));
    const bool verify = label.rfind("verify", 0) == 0;
    const Message m = verify ? inbound(foreign_signed(std::string(2000, 'x') + "\r\n")) : outbound();
    MilterClient c;
    ASSERT_TRUE(c.connect("unix:" + socket()));
    const double cpu0 = d.cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kMessages; ++i) {
      auto t = c.send_message(m);
      ASSERT_TRUE(t && t->accepted());
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = d.cpu_seconds() - cpu0;
    std::cout << "[ measure  ] " << label << ": " << wall * 1e6 / kMessages << " us/message wall, "
              << cpu * 1e6 / kMessages << " us/message daemon CPU (c=1, " << kMessages << " messages)\n";
    daemon_.reset();
  }
}

TEST_F(DkimMilter, InteropMatrix) {
  const bool py = have_dkimpy(), odk = have_opendkim();
  if (!py && !odk) GTEST_SKIP() << "python3-dkim and opendkim not installed (scripts/packages.d/dkim.txt)";
  const std::string kt = dir_.write(
      "KeyTable", "rsakey example.com:sel:" + rsa_path_ + "\nedkey example.com:ed:" + ed_path_ + ":ed25519-sha256\n");
  const std::string st = dir_.write("SigningTable", "*@example.com rsakey\n*@example.com edkey\n");
  start(base_config("KeyTable file:" + kt + "\nSigningTable refile:" + st + "\nMultipleSignatures yes\n"));
  std::vector<std::pair<std::string, bool>> rows;
  const Message m = outbound();
  const std::string ours = assemble(m, send(m));  // rsa-sha256 + ed25519-sha256
  if (py) rows.emplace_back("cachet-dkim rsa+ed25519 -> dkimpy verify", dkimpy_verifies(ours));
  if (odk) rows.emplace_back("cachet-dkim rsa+ed25519 -> opendkim -t verify", opendkim_verifies(ours));
  for (const bool ed : {false, true}) {
    const std::string alg = ed ? "ed25519-sha256" : "rsa-sha256";
    for (const bool from_py : {true, false}) {
      if (from_py ? !py : !odk) continue;
      const std::string signed_msg = from_py ? dkimpy_signed(ed) : opendkim_signed(ed);
      bool pass = false;
      if (!signed_msg.empty()) {
        const auto* ar = find_insert(send(inbound(signed_msg)), "Authentication-Results");
        pass = ar && ar->value.find("dkim=pass") != std::string::npos;
        if (!pass) std::cout << "  (A-R: " << (ar ? ar->value : "none") << ")\n";
      }
      rows.emplace_back(std::string(from_py ? "dkimpy " : "opendkim ") + alg + " -> cachet-dkim verify", pass);
    }
  }
  std::cout << "interop matrix:\n";
  for (const auto& [name, ok] : rows) {
    std::cout << "  " << name << ": " << (ok ? "pass" : "FAIL") << "\n";
    EXPECT_TRUE(ok) << name;
  }
}

}  // namespace
