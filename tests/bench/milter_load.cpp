// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/milter_load.cpp: cachet-bench-milter, a closed-loop milter load generator on
// tests/lib MilterClient. C threads, each with its own connection, send N messages in all;
// a connection carries --per-conn messages (default 1: Postfix's smtpd opens one milter
// connection per SMTP session, and a benchmark session carries one message), then QUIT.
// Latency = one whole transaction as the MTA sees it: (connect, OPTNEG, CONNECT, HELO when
// the connection is new,) MAIL .. EOM. A transaction counts as an error when the filter
// does not accept it, lacks a header named by --expect-header, or no added header value
// contains the --expect-text (e.g. "dkim=pass"). Prints one line (or one
// JSON object with --json) per run; exit status 1 when any run had errors.
// Benchmark tooling: not thread-safe beyond its own threads; loopback sockets only.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/base/strings.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/sign.hpp"
#include "tests/bench/load_common.hpp"
#include "tests/lib/milter_client.hpp"

namespace {

using namespace cachet;
using namespace cachet::bench;

constexpr const char* kUsage =
    "usage: cachet-bench-milter --socket SPEC --message FILE [--message FILE...]\n"
    "  [-n N] [-c C] [--per-conn M] [--runs R] [--warmup W] [--macro NAME=VALUE...]\n"
    "  [--from ADDR] [--rcpt ADDR] [--client-addr IP] [--helo NAME]\n"
    "  [--expect-header NAME...] [--expect-text TEXT...] [--server-pid PID] [--label TEXT]\n"
    "  [--json] [--fresh-state FILE]\n"
    "  [--dkim-key PEMFILE --dkim-selector SEL --dkim-domain DOMAIN]\n"
    "  [--dump FILE]   write the first message as the filter modified it, then exit\n"
    "SPEC: unix:/path, /path, inet:port@host. Macros: j, {auth_authen}, {auth_type}, ...\n"
    "(i is set to a fresh queue id per message unless given).\n"
    "{fresh} in a message, --from or --dkim-domain: a label no earlier message used, one per\n"
    "message (f<pid>-<n>, or k<n> counted on in --fresh-state). --dkim-key: each message\n"
    "signed (rsa-sha256 or ed25519-sha256 by the key, relaxed/simple) with d=DOMAIN s=SEL\n"
    "before the runs start (cold verification rows).\n";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die_usage("cannot read " + path, kUsage);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A message (LF or CRLF) split into header fields and a CRLF body, as Postfix's cleanup
// hands them to milters: value = what follows the colon, folded lines joined by CRLF.
testlib::Message parse_message(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  testlib::Message m;
  std::string line;
  bool in_body = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (in_body) {
      m.body += line + "\r\n";
    } else if (line.empty()) {
      in_body = true;
    } else if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
      m.headers.back().second += "\r\n" + line;
    } else if (const auto colon = line.find(':'); colon != std::string::npos) {
      m.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    } else {
      die_usage(path + ": not a header line: " + line, kUsage);
    }
  }
  return m;
}

// LF line ends become CRLF, as the message is on the wire (and as it is signed).
std::string to_crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (const char c : text) {
    if (c == '\n' && (out.empty() || out.back() != '\r')) out += '\r';
    out += c;
  }
  return out;
}

struct Config {
  std::string socket;
  std::vector<testlib::Message> messages;
  std::vector<std::string> expect_headers;
  std::vector<std::string> expect_text;  // each must occur in some added header's value
  std::size_t per_conn = 1;
};

// One message's outcome: empty on success, else what went wrong.
std::string check(const Result<testlib::Transaction>& t, const Config& cfg) {
  if (!t) return t.error().detail;
  if (!t->accepted())
    return std::string("not accepted: '") + t->final_command + "' at " + t->final_step + " " + t->reply_text;
  for (const auto& name : cfg.expect_headers)
    if (t->find(milter::wire::kRepAddHeader, name) == nullptr && t->find(milter::wire::kRepInsHeader, name) == nullptr)
      return "no " + name + " header added";
  for (const auto& text : cfg.expect_text) {
    const bool found = std::any_of(t->modifications.begin(), t->modifications.end(), [&](auto& r) {
      return (r.command == milter::wire::kRepAddHeader || r.command == milter::wire::kRepInsHeader) &&
             r.value.find(text) != std::string::npos;
    });
    if (!found) {
      std::string added;  // what was added instead: the reader sees why at once
      for (const auto& r : t->modifications)
        if (r.command == milter::wire::kRepAddHeader || r.command == milter::wire::kRepInsHeader)
          added += " [" + r.name + ":" + r.value + "]";
      return "no added header contains '" + text + "'; added:" + (added.empty() ? " none" : added);
    }
  }
  return {};
}

// `prepared`: one message per operation (cold rows), operation `base + seq` takes its own
// element (so threads never share one); else the templates, round-robin.
void worker(const Config& cfg, std::vector<testlib::Message>* prepared, std::size_t base, int thread,
            std::atomic<std::size_t>& next, std::size_t total, ThreadResult& out) {
  testlib::MilterClient client;
  std::size_t on_conn = 0;
  std::vector<testlib::Message> mine;
  if (prepared == nullptr) mine = cfg.messages;  // copied once: "i" changes per message
  const bool fresh_qid = cfg.messages.front().macros.count("i") == 0;
  char qid[32];
  for (std::size_t seq = next.fetch_add(1); seq < total; seq = next.fetch_add(1)) {
    testlib::Message& m = prepared != nullptr ? (*prepared)[base + seq] : mine[seq % mine.size()];
    std::snprintf(qid, sizeof qid, "B%02X%08zX", thread & 0xff, seq);
    if (fresh_qid) m.macros["i"] = qid;
    const auto start = Clock::now();
    if (!client.is_connected()) {
      if (auto ok = client.connect(cfg.socket); !ok) {
        out.error("connect: " + ok.error().detail);
        continue;
      }
      on_conn = 0;
    }
    const auto t = client.send_message(m);
    const double ms = ms_since(start);
    if (auto why = check(t, cfg); !why.empty()) {
      out.error(why);
      client.close();  // a fresh connection for the next message
      continue;
    }
    out.latencies_ms.push_back(ms);
    if (++on_conn >= cfg.per_conn) {
      (void)client.send_quit();
      client.close();
    }
  }
  if (client.is_connected()) (void)client.send_quit();
}

// --dump: the message with the filter's header additions applied (inserts at their index,
// adds at the end), CRLF line ends: the input for verification benchmarks.
int dump(const Config& cfg, const std::string& path) {
  testlib::MilterClient client;
  if (auto ok = client.connect(cfg.socket); !ok) {
    std::fprintf(stderr, "connect: %s\n", ok.error().detail.c_str());
    return 1;
  }
  testlib::Message m = cfg.messages.front();
  m.macros.try_emplace("i", "BDUMP0001");
  const auto t = client.send_message(m);
  if (auto why = check(t, cfg); !why.empty()) {
    std::fprintf(stderr, "dump: %s\n", why.c_str());
    return 1;
  }
  auto headers = m.headers;
  for (const auto& r : t->modifications) {
    if (r.command == milter::wire::kRepAddHeader) headers.emplace_back(r.name, " " + r.value);
    if (r.command == milter::wire::kRepInsHeader)
      headers.insert(headers.begin() + std::min<std::size_t>(r.index, headers.size()), {r.name, " " + r.value});
  }
  std::ofstream out(path, std::ios::binary);
  for (const auto& [name, value] : headers) {
    std::string v = value;  // filters fold with LF or CRLF: write CRLF
    std::string fixed;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\n' && (i == 0 || v[i - 1] != '\r')) fixed += '\r';
      fixed += v[i];
    }
    out << name << ":" << fixed << "\r\n";
  }
  out << "\r\n" << m.body;
  (void)client.send_quit();
  return out ? 0 : 1;
}

// The DKIM signature (RFC 6376, as the cold verification rows want it) of a CRLF message,
// as a header line to put on top; exits 1 when signing fails.
std::string dkim_header(const std::string& crlf_message, const dkim::SignParams& params) {
  auto sig = dkim::sign_message(crlf_message, params);
  if (!sig) {
    std::fprintf(stderr, "dkim signing: %s\n", sig.error().detail.c_str());
    std::exit(1);
  }
  return "DKIM-Signature: " + *sig + "\r\n";
}

}  // namespace

int main(int argc, char** argv) {
  const Args args(argc, argv, {"json", "help"});
  if (args.has("help")) die_usage("", kUsage);
  args.require_known({"socket",      "message", "n",    "c",           "per-conn",    "runs",          "warmup",
                      "macro",       "from",    "rcpt", "client-addr", "helo",        "expect-header", "expect-text",
                      "server-pid",  "label",   "json", "dump",        "fresh-state", "dkim-key",      "dkim-selector",
                      "dkim-domain", "help"});
  Config cfg;
  cfg.socket = args.str("socket", "");
  if (cfg.socket.empty() || args.all("message").empty()) die_usage("need --socket and --message", kUsage);
  const std::string from = args.str("from", "");
  // A message from its text, with the envelope and macros of the command line.
  auto make = [&](const std::string& text, const std::string& path, const std::string& label) {
    testlib::Message m = parse_message(text, path);
    for (const auto& kv : args.all("macro")) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) die_usage("--macro wants NAME=VALUE", kUsage);
      m.macros[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (!from.empty()) m.mail = {"<" + with_fresh(from, label) + ">"};
    if (auto v = args.get("rcpt")) m.rcpts = {{"<" + *v + ">"}};
    if (auto v = args.get("client-addr")) m.client_addr = *v;
    if (auto v = args.get("helo")) m.helo = m.client_name = *v;
    return m;
  };
  std::vector<std::string> texts, paths = args.all("message");
  for (const auto& path : paths) {
    texts.push_back(read_file(path));
    cfg.messages.push_back(make(texts.back(), path, ""));
  }
  cfg.expect_headers = args.all("expect-header");
  cfg.expect_text = args.all("expect-text");
  cfg.per_conn = static_cast<std::size_t>(std::max(1L, args.num("per-conn", 1)));

  const auto n = static_cast<std::size_t>(args.num("n", 1000));
  const int c = static_cast<int>(std::clamp(args.num("c", 1), 1L, 1024L));
  const long runs = std::clamp(args.num("runs", 1), 1L, 100L);
  const auto warmup = static_cast<std::size_t>(args.num("warmup", 0));
  const auto pid = static_cast<pid_t>(args.num("server-pid", 0));
  const bool json = args.has("json");
  const std::string label = args.str("label", "milter");

  // Cold rows: one message per operation, made (and signed) before anything is measured.
  FreshLabels fresh(args.str("fresh-state", ""));
  const std::string dkim_domain = args.str("dkim-domain", "");
  std::optional<crypto::PrivateKey> key;
  if (auto path = args.get("dkim-key")) {
    auto k = crypto::PrivateKey::load(crypto::SecretBytes(read_file(*path)));
    if (!k) die_usage("--dkim-key: " + k.error().detail, kUsage);
    key.emplace(std::move(*k));
    if (dkim_domain.empty() || !args.get("dkim-selector"))
      die_usage("--dkim-key needs --dkim-domain and --dkim-selector", kUsage);
  }
  const bool per_op = key || has_fresh(from) || std::any_of(texts.begin(), texts.end(), has_fresh);
  std::vector<testlib::Message> prepared;
  if (per_op) {
    dkim::SignParams sp;
    sp.selector = args.str("dkim-selector", "");
    sp.key = key ? &*key : nullptr;
    if (key && key->type() == crypto::KeyType::ed25519) sp.algorithm = dkim::Algorithm::ed25519_sha256;
    const std::size_t ops = args.has("dump") ? 1 : warmup + n * static_cast<std::size_t>(runs);
    prepared.reserve(ops);
    for (std::size_t i = 0; i < ops; ++i) {
      const std::string fresh_label = fresh.next();
      std::string text = with_fresh(texts[i % texts.size()], fresh_label);
      if (key) {
        text = to_crlf(text);
        sp.domain = with_fresh(dkim_domain, fresh_label);
        text = dkim_header(text, sp) + text;
      }
      prepared.push_back(make(text, paths[i % paths.size()], fresh_label));
    }
    fresh.save();
  }
  if (auto path = args.get("dump")) {
    if (per_op) cfg.messages = {prepared.front()};
    return dump(cfg, *path);
  }

  std::size_t base = 0;  // operations (of prepared) used by earlier loops
  auto work = [&](int t, std::atomic<std::size_t>& next, std::size_t total, ThreadResult& out) {
    worker(cfg, per_op ? &prepared : nullptr, base, t, next, total, out);
  };
  if (warmup > 0) run_closed_loop(c, warmup, work);
  base = warmup;
  bool any_errors = false;
  for (long r = 0; r < runs; ++r, base += n) {
    const ServerSample before = pid > 0 ? sample_pid(pid) : ServerSample{};
    const auto start = Clock::now();
    const auto results = run_closed_loop(c, n, work);
    const double wall = ms_since(start) / 1000.0;
    const ServerSample after = pid > 0 ? sample_pid(pid) : ServerSample{};
    const Figures f = summarize(label, c, n, wall, results, before, after);
    print_figures(f, json, "msgs");
    any_errors = any_errors || f.errors != 0;
  }
  return any_errors ? 1 : 0;
}
