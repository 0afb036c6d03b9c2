// SPDX-License-Identifier: BSD-2-Clause
// common/milter/runner.cpp: see runner.hpp.
#include "common/milter/runner.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>
#include <vector>

#include "common/daemon/socket_spec.hpp"

namespace cachet::milter {
namespace detail {

struct Server {
  ConnectionShared shared;
  MilterOptions options;
  Fd listener;  // blocking: idle workers wait in accept()
  Fd wake;      // eventfd: stop() wakes run()
  std::atomic<bool> stopping{false};
  std::atomic<bool> failed{false};
  std::atomic<int> accepting{0};  // workers waiting in accept()
  log::Episode accept_failing;    // out of descriptors or memory: logged once per episode

  std::mutex mu;                    // guards everything below
  std::condition_variable drained;  // a worker thread ended
  std::set<int> serving;            // connections being served (for stop's shutdown)
  std::size_t workers = 0;          // worker threads alive
  std::vector<std::thread> threads;
};

}  // namespace detail

namespace {

using detail::Server;

constexpr std::size_t kReadBytes = 64 * 1024;

void wake_run(Server& s) {
  const std::uint64_t one = 1;
  (void)!::write(s.wake.get(), &one, sizeof one);
}

// A send that would block waits in poll() up to the I/O timeout: no SO_SNDTIMEO, which
// cost a system call per connection for a socket buffer that is hardly ever full.
bool send_all(int fd, std::string_view bytes, int timeout_s) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      const int ready = ::poll(&p, 1, timeout_s > INT_MAX / 1000 ? -1 : timeout_s * 1000);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;  // the write timeout, or poll failed
      continue;
    }
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One MTA connection, until it closes, fails, times out or the server stops.
void serve(Server& s, int fd, std::vector<char>& buf) {
  const int timeout_s = s.options.io_timeout_s;
  const timeval tv{timeout_s, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Connection conn(s.shared, [fd, timeout_s](std::string_view bytes) { return send_all(fd, bytes, timeout_s); });
  std::string out;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file, the read timeout, an error
    const bool keep = conn.receive(std::string_view(buf.data(), static_cast<std::size_t>(n)), out);
    if (!out.empty() && !send_all(fd, out, timeout_s)) break;
    out.clear();
    if (!keep) break;
  }
  conn.close();
}

void worker(const std::shared_ptr<Server>& s);

// A new worker thread, which starts by accepting. False when stopping or out of threads.
bool add_worker(const std::shared_ptr<Server>& s) {
  std::lock_guard lock(s->mu);
  if (s->stopping.load()) return false;
  try {
    s->threads.emplace_back([s] { worker(s); });
    ++s->workers;
    return true;
  } catch (const std::system_error& e) {  // connections wait until a worker is free
    log::Event(*s->shared.logger, log::Level::warning, "milter.thread_failed").kv("reason", e.what());
    return false;
  }
}

// Accepts a connection and serves it, again and again. Idle workers all wait in accept()
// (the kernel wakes one per connection); the one that takes the last waiting place starts
// another, so someone is always accepting and no connection is handed between threads.
void worker(const std::shared_ptr<Server>& s) {
  std::vector<char> buf(kReadBytes);
  while (!s->stopping.load()) {
    s->accepting.fetch_add(1);
    const int fd = ::accept4(s->listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    const int err = errno;
    const bool was_last = s->accepting.fetch_sub(1) == 1;
    if (fd < 0) {
      if (s->stopping.load() || err == EINTR || err == ECONNABORTED || err == EAGAIN || err == EPROTO) continue;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        if (s->accept_failing.begin())
          log::Event(*s->shared.logger, log::Level::warning, "milter.accept_error").kv("reason", std::strerror(err));
        (void)::poll(nullptr, 0, 100);  // out of descriptors or memory: try again shortly
        continue;
      }
      log::Event(*s->shared.logger, log::Level::warning, "milter.accept_error").kv("reason", std::strerror(err));
      s->failed.store(true);  // the listener itself is broken
      wake_run(*s);
      break;
    }
    Fd conn(fd);
    if (s->accept_failing.end()) log::Event(*s->shared.logger, log::Level::info, "milter.accept_recovered");
    if (was_last) (void)add_worker(s);
    {
      std::lock_guard lock(s->mu);
      if (s->stopping.load()) break;
      s->serving.insert(fd);
    }
    serve(*s, fd, buf);
    std::lock_guard lock(s->mu);
    s->serving.erase(fd);  // before conn closes: stop() never shuts down a reused number
  }
  std::lock_guard lock(s->mu);
  --s->workers;
  s->drained.notify_all();
}

void drain(Server& s) {
  std::unique_lock lock(s.mu);
  s.stopping.store(true);
  (void)::shutdown(s.listener.get(), SHUT_RDWR);           // accept() returns at once
  for (const int fd : s.serving) ::shutdown(fd, SHUT_RD);  // idle readers see end of file
  const bool all_ended =
      s.drained.wait_for(lock, std::chrono::milliseconds(s.options.drain_timeout_ms), [&] { return s.workers == 0; });
  auto threads = std::move(s.threads);
  lock.unlock();
  // Threads still in a hook keep the Server alive through their shared_ptr.
  for (auto& t : threads) all_ended ? t.join() : t.detach();
}

}  // namespace

MilterRunner::MilterRunner(MilterSpec spec, SessionFactory factory, log::Logger& logger)
    : server_(std::make_shared<Server>()) {
  server_->shared = ConnectionShared{std::move(spec), std::move(factory), &logger};
}

MilterRunner::~MilterRunner() {
  if (thread_.joinable()) {
    stop();
    thread_.join();
  }
}

Result<void> MilterRunner::open(const MilterOptions& options) {
  if (server_->listener.valid()) return fail(Errc::internal, "milter socket opened twice");
  auto spec = daemon::parse_socket_spec(options.socket);
  if (!spec) return fail(Errc::config, spec.error().detail);
  Fd wake(::eventfd(0, EFD_CLOEXEC));
  if (!wake.valid()) return fail(Errc::temporary, std::string("eventfd: ") + std::strerror(errno));
  auto listener = daemon::listen_socket(*spec, daemon::process_umask());
  if (!listener) return fail(listener.error().code, "milter socket " + options.socket + ": " + listener.error().detail);
  server_->options = options;
  server_->wake = std::move(wake);
  server_->listener = std::move(*listener);
  return {};
}

int MilterRunner::run() {
  Server& s = *server_;
  if (!s.listener.valid()) return kFailed;
  if (!add_worker(server_)) {
    drain(s);
    return s.stopping.load() && !s.failed.load() ? kStopped : kFailed;
  }
  std::uint64_t count = 0;
  while (!s.stopping.load() && !s.failed.load())
    if (::read(s.wake.get(), &count, sizeof count) < 0 && errno != EINTR) break;
  if (s.failed.load())
    log::Event(*s.shared.logger, log::Level::error, "milter.listener_failed").kv("reason", "accept() failed");
  drain(s);
  return s.failed.load() ? kFailed : kStopped;
}

Result<void> MilterRunner::start() {
  if (!server_->listener.valid()) return fail(Errc::internal, "start() before open()");
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
  server_->stopping.store(true);
  if (server_->wake.valid()) wake_run(*server_);
}

}  // namespace cachet::milter
