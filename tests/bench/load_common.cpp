// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/load_common.cpp: see load_common.hpp.
#include "tests/bench/load_common.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace cachet::bench {

FreshLabels::FreshLabels(std::string state_file) : state_file_(std::move(state_file)) {
  if (state_file_.empty()) return;
  std::ifstream in(state_file_);
  if (in && !(in >> start_)) {
    std::fprintf(stderr, "fresh state %s: not a number\n", state_file_.c_str());
    std::exit(2);
  }
}

std::string FreshLabels::next() {
  const std::uint64_t n = next_++;
  if (state_file_.empty()) return "f" + std::to_string(::getpid()) + "-" + std::to_string(n);
  return "k" + std::to_string(start_ + n);
}

void FreshLabels::save() const {
  if (state_file_.empty()) return;
  std::ofstream out(state_file_, std::ios::trunc);
  out << start_ + next_.load() << '\n';
  if (!out.flush()) {
    std::fprintf(stderr, "fresh state %s: cannot write\n", state_file_.c_str());
    std::exit(1);
  }
}

std::string with_fresh(std::string text, const std::string& label) {
  for (auto p = text.find("{fresh}"); p != std::string::npos; p = text.find("{fresh}", p + label.size()))
    text.replace(p, 7, label);
  return text;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Args::Args(int argc, char** argv, std::vector<std::string> flags) {
  bool rest = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (!rest && a.size() == 2 && a[0] == '-' && a[1] != '-') a = "-" + a;  // -n N == --n N
    if (rest || a.size() < 3 || a.rfind("--", 0) != 0) {
      if (a == "--")
        rest = true;
      else
        positional_.push_back(a);
      continue;
    }
    a = a.substr(2);
    if (const auto eq = a.find('='); eq != std::string::npos) {
      values_.emplace(a.substr(0, eq), a.substr(eq + 1));
    } else if (std::find(flags.begin(), flags.end(), a) != flags.end()) {
      values_.emplace(a, "1");
    } else if (i + 1 < argc) {
      values_.emplace(a, argv[++i]);
    } else {
      values_.emplace(a, "");
    }
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return std::nullopt;
  return std::prev(range.second)->second;  // the last one wins
}

std::vector<std::string> Args::all(const std::string& name) const {
  std::vector<std::string> out;
  for (auto [it, end] = values_.equal_range(name); it != end; ++it) out.push_back(it->second);
  return out;
}

std::string Args::str(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

long Args::num(const std::string& name, long fallback) const {
  const auto v = get(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < 0) {
    std::fprintf(stderr, "--%s: not a non-negative number: '%s'\n", name.c_str(), v->c_str());
    std::exit(2);
  }
  return n;
}

void Args::require_known(const std::vector<std::string>& known) const {
  std::string bad;
  for (const auto& [name, value] : values_)
    if (std::find(known.begin(), known.end(), name) == known.end()) bad += " --" + name;
  if (!bad.empty()) {
    std::fprintf(stderr, "unknown option(s):%s (see --help)\n", bad.c_str());
    std::exit(2);
  }
}

void die_usage(const std::string& message, const char* usage) {
  if (!message.empty()) std::fprintf(stderr, "%s\n", message.c_str());
  std::fputs(usage, stderr);
  std::exit(2);
}

std::vector<ThreadResult> run_closed_loop(
    int concurrency, std::size_t total,
    const std::function<void(int, std::atomic<std::size_t>&, std::size_t, ThreadResult&)>& worker) {
  std::vector<ThreadResult> results(static_cast<std::size_t>(concurrency));
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t)
    threads.emplace_back([&, t] { worker(t, next, total, results[static_cast<std::size_t>(t)]); });
  for (auto& th : threads) th.join();
  return results;
}

namespace {

struct ProcStat {
  pid_t ppid = 0;
  double cpu_ticks = 0;  // utime + stime + cutime + cstime
};

// /proc/PID/stat: the command may hold spaces and parentheses, so fields are counted from
// the last ')'. Fields (1-based): 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime.
std::optional<ProcStat> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> f;
  for (std::string w; fields >> w;) f.push_back(w);
  if (f.size() < 15) return std::nullopt;  // f[0] is field 3 (state)
  ProcStat s;
  s.ppid = static_cast<pid_t>(std::atol(f[1].c_str()));
  for (int i = 11; i <= 14; ++i) s.cpu_ticks += std::atof(f[static_cast<std::size_t>(i)].c_str());
  return s;
}

double read_hwm_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return -1;
}

std::map<pid_t, ProcStat> all_processes() {
  std::map<pid_t, ProcStat> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (const dirent* e = ::readdir(dir)) {
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    if (pid <= 0) continue;
    if (auto s = read_stat(pid)) out.emplace(pid, *s);
  }
  ::closedir(dir);
  return out;
}

}  // namespace

namespace {

std::set<pid_t> descendants(const std::map<pid_t, ProcStat>& procs, pid_t root) {
  std::set<pid_t> tree{root};
  for (bool grew = true; grew;) {  // bounded: each pass adds at least one pid or stops
    grew = false;
    for (const auto& [p, s] : procs)
      if (tree.count(p) == 0 && tree.count(s.ppid) != 0) grew = tree.insert(p).second || grew;
  }
  return tree;
}

double ticks_to_ms(double ticks) { return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK)); }

}  // namespace

ServerSample sample_pid(pid_t pid) {
  ServerSample out;
  const auto procs = all_processes();
  if (procs.count(pid) == 0) return out;
  double ticks = 0;
  for (pid_t p : descendants(procs, pid)) {
    ticks += procs.at(p).cpu_ticks;
    out.hwm_mib = std::max(out.hwm_mib, read_hwm_mib(p));
  }
  out.cpu_ms = ticks_to_ms(ticks);
  return out;
}

ServerSample sample_children() {
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  ServerSample out{ms(ru.ru_utime) + ms(ru.ru_stime), ru.ru_maxrss > 0 ? ru.ru_maxrss / 1024.0 : -1};
  // plus the children still running (kept across runs in persistent spawn mode)
  const pid_t self = ::getpid();
  const auto procs = all_processes();
  double ticks = 0;
  for (pid_t p : descendants(procs, self)) {
    if (p == self) continue;
    ticks += procs.at(p).cpu_ticks;
    out.hwm_mib = std::max(out.hwm_mib, read_hwm_mib(p));
  }
  out.cpu_ms += ticks_to_ms(ticks);
  return out;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // nearest-rank: the smallest value with at least p% of the values at or below it
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const auto i = static_cast<std::size_t>(std::max(1.0, rank)) - 1;
  return values[std::min(i, values.size() - 1)];
}

Figures summarize(std::string label, int concurrency, std::size_t total, double wall_s,
                  const std::vector<ThreadResult>& results, ServerSample before, ServerSample after) {
  Figures f;
  f.label = std::move(label);
  f.concurrency = concurrency;
  f.total = total;
  f.wall_s = wall_s;
  std::vector<double> all;
  for (const auto& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    if (r.errors != 0 && f.errors == 0) f.first_error = r.first_error;
    f.errors += r.errors;
  }
  f.ok = all.size();
  f.per_s = wall_s > 0 ? static_cast<double>(f.ok) / wall_s : 0;
  f.p50_ms = percentile(all, 50);
  f.p99_ms = percentile(all, 99);
  f.max_ms = percentile(all, 100);
  if (before.cpu_ms >= 0 && after.cpu_ms >= 0 && f.ok > 0) {
    const double cpu = after.cpu_ms - before.cpu_ms;
    f.cpu_ms_per_op = cpu / static_cast<double>(f.ok);
    f.cores_busy = wall_s > 0 ? cpu / (wall_s * 1000.0) : -1;
  }
  f.peak_rss_mib = std::max(before.hwm_mib, after.hwm_mib);
  return f;
}

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += {'\\', static_cast<char>(c)};
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else
      out += static_cast<char>(c);
  }
  return out + "\"";
}

}  // namespace

void print_figures(const Figures& f, bool json, const char* unit) {
  if (json) {
    std::printf(
        "{\"label\":%s,\"concurrency\":%d,\"n\":%zu,\"ok\":%zu,\"errors\":%zu,\"wall_s\":%.3f,"
        "\"per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"cpu_ms_per_op\":%.4f,"
        "\"cores_busy\":%.3f,\"peak_rss_mib\":%.1f,\"first_error\":%s}\n",
        json_string(f.label).c_str(), f.concurrency, f.total, f.ok, f.errors, f.wall_s, f.per_s, f.p50_ms, f.p99_ms,
        f.max_ms, f.cpu_ms_per_op, f.cores_busy, f.peak_rss_mib, json_string(f.first_error).c_str());
  } else {
    std::printf(
        "%s c=%d n=%zu ok=%zu errors=%zu %s/s=%.1f p50_ms=%.2f p99_ms=%.2f "
        "cpu_ms_per_op=%.3f cores_busy=%.2f peak_rss_mib=%.1f wall_s=%.2f\n",
        f.label.c_str(), f.concurrency, f.total, f.ok, f.errors, unit, f.per_s, f.p50_ms, f.p99_ms, f.cpu_ms_per_op,
        f.cores_busy, f.peak_rss_mib, f.wall_s);
  }
  std::fflush(stdout);
  if (f.errors != 0)
    std::fprintf(stderr, "*** ERRORS: %zu of %zu operations failed; first: %s ***\n", f.errors, f.total,
                 f.first_error.c_str());
}

double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

LoopbackDns start_loopback_dns(dns::ZoneResolver& zone) {
  LoopbackDns out;
  out.server = std::make_unique<testlib::DnsServer>(zone);
  if (auto ok = out.server->start(); !ok) {
    std::fprintf(stderr, "dns server: %s\n", ok.error().detail.c_str());
    std::exit(1);
  }
  dns::ResolverOptions ro;
  ro.nameservers = {out.server->nameserver()};
  ro.timeout = std::chrono::milliseconds(5000);
  auto r = dns::LdnsResolver::create(ro);
  if (!r) {
    std::fprintf(stderr, "resolver: %s\n", r.error().detail.c_str());
    std::exit(1);
  }
  out.resolver = std::move(*r);
  return out;
}

}  // namespace cachet::bench
