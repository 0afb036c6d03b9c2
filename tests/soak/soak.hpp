// SPDX-License-Identifier: BSD-2-Clause
//
// tests/soak/soak.hpp: what the soak and fault tests share. Each test drives the real
// binaries (build/bin) for soak_seconds() (CACHET_SOAK_SECONDS, default 3: the short form
// that scripts/test runs; scripts/soak sets a long one), counts every operation and prints
// one `soak.figures` line (operations, errors, duration, RSS at start and end) that
// scripts/soak collects. Load runs in plain threads until a deadline; each operation is
// judged by the test's own function, and the first few failures are kept with their reason.
// RSS is read from /proc/PID/status (VmRSS). Header-only.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/lib/daemon_process.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::testlib {

inline std::chrono::seconds soak_seconds() {
  const char* v = std::getenv("CACHET_SOAK_SECONDS");
  const long n = v ? std::strtol(v, nullptr, 10) : 0;
  return std::chrono::seconds(n > 0 ? n : 3);
}

// Resident set size of a process in KiB; -1 when it is gone.
inline long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

// Whether something accepts connections on the UNIX socket at `path`.
inline bool unix_socket_accepts(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  path.copy(addr.sun_path, path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Starts a daemon (argv[0] a path) in the foreground, its output in `log`, and waits until
// it accepts on the UNIX socket `socket_path`; the caller checks alive().
inline std::unique_ptr<DaemonProcess> start_daemon(std::vector<std::string> argv, const std::string& log,
                                                   const std::string& socket_path) {
  auto d = std::make_unique<DaemonProcess>(std::move(argv), log);
  eventually([&] { return d->alive() && unix_socket_accepts(socket_path); });
  return d;
}

// Daemons of one test, each with its config, socket and log in one temp dir.
class SoakDaemons {
 public:
  explicit SoakDaemons(std::string_view prefix) : dir(prefix) {}
  std::string sock(const std::string& name) const { return dir.file(name + ".sock"); }
  // Writes NAME.conf, starts argv + that path, waits for NAME.sock; the daemon or null.
  DaemonProcess* start(const std::string& name, std::vector<std::string> argv, const std::string& config) {
    argv.push_back(dir.write(name + ".conf", config));
    all.push_back(start_daemon(std::move(argv), dir.file(name + ".log"), sock(name)));
    return all.back()->alive() ? all.back().get() : nullptr;
  }
  static std::string bin(const char* name) { return std::string(CACHET_BIN_DIR) + "/" + name; }

  testlib::TempDir dir;
  std::vector<std::unique_ptr<DaemonProcess>> all;
};

// Counts of one load: every operation either succeeded or failed with a reason.
class Tally {
 public:
  void ok() { ok_.fetch_add(1); }
  void fail(const std::string& why) {
    failed_.fetch_add(1);
    std::lock_guard lock(mutex_);
    if (reasons_.size() < 5) reasons_.push_back(why);
  }
  long oks() const { return ok_.load(); }
  long failures() const { return failed_.load(); }
  std::string reasons() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& r : reasons_) out += "\n  " + r;
    return out;
  }

 private:
  std::atomic<long> ok_{0};
  std::atomic<long> failed_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> reasons_;
};

// Runs op(thread index, tally) over and over in `threads` threads until `duration` has
// passed, while `beside` (if any) runs once in the calling thread with the deadline; joins
// every thread before returning. `per_thread_rate` > 0 paces each thread to at most that
// many operations a second (a load of known size, e.g. to stay within a queue's bound).
inline void run_load(std::chrono::steady_clock::duration duration, int threads, Tally& tally,
                     const std::function<void(int, Tally&)>& op,
                     const std::function<void(std::chrono::steady_clock::time_point)>& beside = {},
                     int per_thread_rate = 0) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + duration;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (long n = 1; std::chrono::steady_clock::now() < deadline; ++n) {
        op(t, tally);
        if (per_thread_rate > 0)
          std::this_thread::sleep_until(start + std::chrono::microseconds(n * 1000000 / per_thread_rate));
      }
    });
  if (beside) beside(deadline);
  for (auto& th : pool) th.join();
}

// One line per test for scripts/soak: `soak.figures test=… key=value…`.
inline void print_figures(const std::string& test, double seconds, long operations, long errors, long rss_start_kib,
                          long rss_end_kib, const std::string& extra = "") {
  std::cout << "soak.figures test=" << test << " seconds=" << seconds << " operations=" << operations
            << " errors=" << errors << " rss_start_kib=" << rss_start_kib << " rss_end_kib=" << rss_end_kib
            << (extra.empty() ? "" : " " + extra) << std::endl;
}

// Growth allowed between the RSS after warm-up and at the end: generous, so only a leak
// that grows with the load fails (the figures show the real numbers).
inline constexpr long kRssGrowthLimitKib = 64 * 1024;

}  // namespace cachet::testlib
