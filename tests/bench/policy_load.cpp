// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/policy_load.cpp: cachet-bench-policy, a closed-loop Postfix policy load
// generator on tests/lib PolicyClient. Targets: a unix or TCP socket (--socket), or a
// program started per connection like spawn(8) starts it (--spawn -- ARGV...: the child's
// stdin and stdout are the connection). C threads, one connection each, N requests in all;
// a connection carries --per-conn requests, then the client closes it (a spawned child sees
// EOF and is reaped); by default (--per-conn 0) each thread keeps its connection for the
// warm-up and all runs, like an smtpd keeping its policy connection, so a kept process's
// start-up is not part of the measured runs (use --warmup >= 1). Requests come from a template file: `name=value`
// lines, blank lines between several requests (used round-robin); `instance` is set to a fresh value per request so
// per-instance caches (policyd-spf's) never short-circuit, and `{fresh}` in any value becomes
// a label no earlier request used (pid + counter), so `sender=u@{fresh}.cold.example` makes
// every request a cache miss (the cold-DNS rows). Server CPU: --server-pid for a
// socket server; in spawn mode the reaped children's rusage. --first-answer K: K spawns one
// after another, each timed from just before fork() to its first complete reply.
// Exit status 1 when a run had errors (closed connection, timeout, unexpected action).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>

#include "common/base/strings.hpp"
#include "common/daemon/socket_spec.hpp"
#include "tests/bench/load_common.hpp"
#include "tests/lib/policy_client.hpp"

namespace {

using namespace cachet;
using namespace cachet::bench;
using testlib::PolicyClient;

constexpr const char* kUsage =
    "usage: cachet-bench-policy --requests FILE (--socket SPEC | --spawn -- ARGV...)\n"
    "  [-n N] [-c C] [--per-conn M] [--runs R] [--warmup W] [--expect-action PREFIX...]\n"
    "  [--server-pid PID] [--timeout-ms MS] [--label TEXT] [--json] [--first-answer K]\n"
    "SPEC: unix:/path, /path, inet:port@host. FILE: name=value lines, blank line between\n"
    "requests. --expect-action: the reply must start with one of these (case-insensitive).\n";

using Template = std::vector<std::pair<std::string, std::string>>;

std::vector<Template> load_requests(const std::string& path) {
  std::ifstream in(path);
  if (!in) die_usage("cannot read requests " + path, kUsage);
  std::vector<Template> out(1);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) die_usage(path + ": not name=value: " + line, kUsage);
    out.back().emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  if (out.back().empty()) out.pop_back();
  if (out.empty()) die_usage(path + ": no requests", kUsage);
  for (auto& t : out)
    if (std::none_of(t.begin(), t.end(), [](auto& kv) { return kv.first == "instance"; }))
      t.emplace_back("instance", "");
  return out;
}

struct Config {
  std::vector<Template> requests;
  std::vector<std::string> expect;
  std::string socket;             // socket mode
  std::vector<std::string> argv;  // spawn mode
  std::size_t per_conn = 0;       // 0: unlimited
  std::chrono::milliseconds timeout{10000};
};

Result<PolicyClient> open_connection(const Config& cfg) {
  if (!cfg.argv.empty()) return PolicyClient::spawn(cfg.argv);
  auto spec = daemon::parse_socket_spec(cfg.socket);  // the daemons' socket syntax
  if (!spec) return fail(Errc::config, spec.error().detail);
  if (spec->is_unix()) return PolicyClient::connect_unix(spec->path);
  const bool v6 = spec->family == daemon::SocketSpec::Family::inet6;
  return PolicyClient::connect_inet(spec->host.empty() ? (v6 ? "::1" : "127.0.0.1") : spec->host, spec->port);
}

// Closes a connection; a spawned child gets EOF and is reaped (its rusage then counts in
// RUSAGE_CHILDREN), or is killed by pid after 5 s.
void close_connection(std::optional<PolicyClient>& client) {
  if (!client) return;
  client->shutdown_write();
  if (client->pid() > 0) (void)client->wait_exit(std::chrono::seconds(5));
  client.reset();
}

// `{fresh}` labels of this process (pid + counter: unique across runs and processes).
FreshLabels fresh_labels;

// One request/reply; empty on success, else what went wrong.
std::string ask(const Config& cfg, PolicyClient& client, const Template& t, const std::string& instance) {
  std::string label;                      // made on first use: most templates have no {fresh}
  std::vector<std::string> fresh_values;  // owns the substituted values while attrs views them
  fresh_values.reserve(t.size());
  std::vector<policy::Attribute> attrs;
  attrs.reserve(t.size());
  for (const auto& [name, value] : t) {
    std::string_view v = value;
    if (name == "instance")
      v = instance;
    else if (value.find("{fresh}") != std::string::npos) {
      if (label.empty()) label = fresh_labels.next();
      v = fresh_values.emplace_back(with_fresh(value, label));
    }
    attrs.push_back({name, v});
  }
  const auto reply = client.ask(attrs, cfg.timeout);
  if (!reply) return reply.error().detail;
  if (reply->status == testlib::ReplyStatus::closed) return "connection closed without a reply";
  if (reply->status == testlib::ReplyStatus::timeout) return "no reply within the timeout";
  if (cfg.expect.empty()) return {};
  for (const auto& prefix : cfg.expect)
    if (reply->action.size() >= prefix.size() && iequals(reply->action.substr(0, prefix.size()), prefix)) return {};
  return "unexpected action: " + std::string(reply->action);
}

// `client`: this thread's connection, kept across warm-up and runs when --per-conn is 0
// (a kept spawned process then starts during the warm-up, not inside a measured run).
void worker(const Config& cfg, int thread, std::atomic<std::size_t>& next, std::size_t total, ThreadResult& out,
            std::optional<PolicyClient>& client) {
  std::size_t on_conn = 0;
  char instance[40];
  if (!client && cfg.per_conn == 0 && next.load() < total) {
    auto c = open_connection(cfg);  // every thread connects, even if others take the work
    if (c) client.emplace(std::move(*c));
  }
  for (std::size_t seq = next.fetch_add(1); seq < total; seq = next.fetch_add(1)) {
    std::snprintf(instance, sizeof instance, "b%x.%zx.%lx", thread, seq,
                  static_cast<long>(Clock::now().time_since_epoch().count() & 0xffffff));
    const auto start = Clock::now();
    if (!client) {
      auto c = open_connection(cfg);
      if (!c) {
        out.error("connect: " + c.error().detail);
        continue;
      }
      client.emplace(std::move(*c));
      on_conn = 0;
    }
    const std::string why = ask(cfg, *client, cfg.requests[seq % cfg.requests.size()], instance);
    const double ms = ms_since(start);
    if (!why.empty()) {
      out.error(why);
      close_connection(client);
      continue;
    }
    out.latencies_ms.push_back(ms);
    if (cfg.per_conn != 0 && ++on_conn >= cfg.per_conn) close_connection(client);
  }
  if (cfg.per_conn != 0) close_connection(client);
}

int first_answer(const Config& cfg, std::size_t k, const std::string& label, bool json) {
  std::vector<double> ms;
  ThreadResult errors;
  const ServerSample before = sample_children();
  for (std::size_t i = 0; i < k; ++i) {
    const auto start = Clock::now();
    auto c = PolicyClient::spawn(cfg.argv);
    if (!c) {
      errors.error("spawn: " + c.error().detail);
      continue;
    }
    const std::string why = ask(cfg, *c, cfg.requests.front(), "first." + std::to_string(i));
    const double t = ms_since(start);
    std::optional<PolicyClient> holder(std::move(*c));
    close_connection(holder);
    if (why.empty())
      ms.push_back(t);
    else
      errors.error(why);
  }
  const ServerSample after = sample_children();
  const double cpu = ms.empty() ? -1 : (after.cpu_ms - before.cpu_ms) / static_cast<double>(k);
  const double p50 = percentile(ms, 50), p99 = percentile(ms, 99), lo = percentile(ms, 0);
  if (json)
    std::printf(
        "{\"label\":\"%s\",\"mode\":\"first-answer\",\"k\":%zu,\"ok\":%zu,\"errors\":%zu,"
        "\"min_ms\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"cpu_ms_per_proc\":%.3f,"
        "\"peak_rss_mib\":%.1f}\n",
        label.c_str(), k, ms.size(), errors.errors, lo, p50, p99, cpu, after.hwm_mib);
  else
    std::printf(
        "%s first-answer k=%zu ok=%zu errors=%zu min_ms=%.2f p50_ms=%.2f p99_ms=%.2f "
        "cpu_ms_per_proc=%.2f peak_rss_mib=%.1f\n",
        label.c_str(), k, ms.size(), errors.errors, lo, p50, p99, cpu, after.hwm_mib);
  std::fflush(stdout);
  if (errors.errors != 0)
    std::fprintf(stderr, "*** ERRORS: %zu of %zu spawns failed; first: %s ***\n", errors.errors, k,
                 errors.first_error.c_str());
  return errors.errors != 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  const Args args(argc, argv, {"json", "help", "spawn"});
  if (args.has("help")) die_usage("", kUsage);
  args.require_known({"requests", "socket", "spawn", "n", "c", "per-conn", "runs", "warmup", "expect-action",
                      "server-pid", "timeout-ms", "label", "json", "first-answer", "help"});
  Config cfg;
  if (!args.get("requests")) die_usage("need --requests FILE", kUsage);
  cfg.requests = load_requests(*args.get("requests"));
  cfg.expect = args.all("expect-action");
  cfg.socket = args.str("socket", "");
  if (args.has("spawn")) cfg.argv = args.positional();
  if (cfg.socket.empty() == cfg.argv.empty()) die_usage("need exactly one of --socket SPEC or --spawn -- ARGV", kUsage);
  if (!cfg.argv.empty() && cfg.argv[0].find('/') == std::string::npos)
    die_usage("--spawn wants a path (no PATH search): " + cfg.argv[0], kUsage);
  cfg.per_conn = static_cast<std::size_t>(args.num("per-conn", 0));
  cfg.timeout = std::chrono::milliseconds(std::max(1L, args.num("timeout-ms", 10000)));
  const std::string label = args.str("label", "policy");
  const bool json = args.has("json");
  if (args.has("first-answer")) {
    if (cfg.argv.empty()) die_usage("--first-answer needs --spawn", kUsage);
    return first_answer(cfg, static_cast<std::size_t>(std::max(1L, args.num("first-answer", 10))), label, json);
  }

  const auto n = static_cast<std::size_t>(args.num("n", 1000));
  const int c = static_cast<int>(std::clamp(args.num("c", 1), 1L, 1024L));
  const long runs = std::clamp(args.num("runs", 1), 1L, 100L);
  const auto warmup = static_cast<std::size_t>(args.num("warmup", 0));
  const auto pid = static_cast<pid_t>(args.num("server-pid", 0));
  auto sample = [&] { return !cfg.argv.empty() ? sample_children() : pid > 0 ? sample_pid(pid) : ServerSample{}; };
  std::vector<std::optional<PolicyClient>> clients(static_cast<std::size_t>(c));
  auto work = [&](int t, std::atomic<std::size_t>& next, std::size_t total, ThreadResult& out) {
    worker(cfg, t, next, total, out, clients[static_cast<std::size_t>(t)]);
  };
  if (warmup > 0) run_closed_loop(c, warmup, work);
  bool any_errors = false;
  for (long r = 0; r < runs; ++r) {
    const ServerSample before = sample();
    const auto start = Clock::now();
    const auto results = run_closed_loop(c, n, work);
    const double wall = ms_since(start) / 1000.0;
    const Figures f = summarize(label, c, n, wall, results, before, sample());
    print_figures(f, json, "reqs");
    any_errors = any_errors || f.errors != 0;
  }
  for (auto& client : clients) close_connection(client);
  return any_errors ? 1 : 0;
}
