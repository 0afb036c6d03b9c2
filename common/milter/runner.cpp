// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/runner.cpp: see runner.hpp. libmilter quirks handled here:
// - smfi_stop() takes the listener's mutex, which the listener holds while it waits up to
//   5 s in select(); stop() therefore calls smfi_stop() on a helper thread and connects to
//   the socket to wake the listener, so a stop takes milliseconds, not seconds.
// - smfi_opensocket(true) unlinks whatever is at the path; open() instead calls
//   daemon::remove_stale_socket (refuses a live socket and anything that is not a socket)
//   and smfi_opensocket(false), so a second instance cannot steal a live daemon's socket.
#include "common/milter/runner.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <system_error>

#include "common/base/fd.hpp"
#include "common/base/strings.hpp"
#include "common/milter/layer_internal.hpp"

namespace cachet::milter {
namespace {

using daemon::SocketSpec;
using detail::g_shared;

// Connects to the socket and closes at once; true when someone accepted.
bool connect_once(const SocketSpec& spec) {
  if (spec.is_unix()) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, spec.path.data(), spec.path.size());
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  if (spec.family == SocketSpec::Family::inet) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(spec.port);
    const bool any = spec.host.empty() || spec.host == "0.0.0.0" || iequals(spec.host, "INADDR_ANY");
    if (::inet_pton(AF_INET, any ? "127.0.0.1" : spec.host.c_str(), &sa.sin_addr) != 1) return false;
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  Fd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(spec.port);
  const bool any = spec.host.empty() || spec.host == "::";
  if (::inet_pton(AF_INET6, any ? "::1" : spec.host.c_str(), &sa.sin6_addr) != 1) return false;
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
}

}  // namespace

MilterRunner::MilterRunner(MilterSpec spec, SessionFactory factory, log::Logger& logger)
    : shared_(std::make_unique<detail::Shared>(detail::Shared{std::move(spec), std::move(factory), &logger})) {}

MilterRunner::~MilterRunner() {
  if (thread_.joinable()) {
    stop();
    thread_.join();
  }
  // libmilter's worker threads can still call back until the process exits: once
  // published, the shared state stays (reachable through g_shared, so no leak report).
  if (opened_) (void)shared_.release();
}

Result<void> MilterRunner::open(const MilterOptions& options) {
  if (!libmilter_signals_parked()) return fail(Errc::internal, "libmilter signal thread active");
  auto spec = daemon::parse_socket_spec(options.socket);
  if (!spec) return fail(Errc::config, spec.error().detail);
  if (spec->is_unix()) {
    if (options.remove_stale_socket) {
      if (auto r = daemon::remove_stale_socket(spec->path); !r) return r;
    } else if (connect_once(*spec)) {
      return fail(Errc::config, "socket " + spec->path + " is in use by a running process");
    }
  }
  detail::Shared* expected = nullptr;
  if (!g_shared.compare_exchange_strong(expected, shared_.get()))
    return fail(Errc::internal, "libmilter allows one milter per process");
  opened_ = true;  // from here on the shared state belongs to libmilter's callbacks
  options_ = options;
  spec_ = *spec;
  if (smfi_register(detail::make_filter_description(*shared_)) == MI_FAILURE)
    return fail(Errc::config, "smfi_register failed (libmilter version mismatch?)");
  std::string conn = daemon::to_milter_conn(*spec);
  if (smfi_setconn(conn.data()) == MI_FAILURE) return fail(Errc::config, "smfi_setconn failed for " + options.socket);
  (void)smfi_settimeout(options.io_timeout_s);
  if (smfi_setbacklog(options.backlog) == MI_FAILURE)
    return fail(Errc::config, "bad listen backlog " + std::to_string(options.backlog));
  (void)smfi_setdbg(options.debug);
  if (smfi_opensocket(false) == MI_FAILURE)
    return fail(Errc::config, "cannot open milter socket " + options.socket + " (details in syslog)");
  return {};
}

int MilterRunner::run() {
  if (!opened_) return kFailed;
  if (stop_requested_.load()) return kStopped;
  running_.store(true);
  const int rc = smfi_main();
  running_.store(false);
  // Let hooks that are still running finish before the caller tears things down.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.drain_timeout_ms);
  while (detail::g_hooks_running.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (rc != MI_SUCCESS) return kFailed;
  return stop_requested_.load() ? kStopped : kStoppedByLibmilter;
}

Result<void> MilterRunner::start() {
  if (!opened_) return fail(Errc::internal, "start() before open()");
  if (thread_.joinable()) return fail(Errc::internal, "start() called twice");
  try {
    thread_ = std::thread([this] { thread_result_ = run(); });
  } catch (const std::system_error& e) {
    return fail(Errc::temporary, std::string("cannot start milter thread: ") + e.what());
  }
  return {};
}

int MilterRunner::wait() {
  if (thread_.joinable()) thread_.join();
  return thread_result_;
}

void MilterRunner::stop() {
  if (stop_requested_.exchange(true) || !opened_) return;
  std::atomic<bool> done{false};
  std::thread helper;
  try {
    helper = std::thread([&done] {
      smfi_stop();
      done.store(true);
    });
  } catch (const std::system_error&) {
    smfi_stop();  // slow path: the listener notices within its 5 s select timeout
    return;
  }
  for (int i = 0; i < 200 && !done.load(); ++i) {
    if (running_.load()) (void)connect_once(spec_);
    for (int j = 0; j < 10 && !done.load(); ++j) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  helper.join();
}

long MilterRunner::live_sessions() noexcept { return detail::g_live_sessions.load(); }
long MilterRunner::internal_errors() noexcept { return detail::g_internal_errors.load(); }

}  // namespace cachet::milter
