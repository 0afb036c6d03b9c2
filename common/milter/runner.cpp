// SPDX-License-Identifier: BSD-2-Clause
// common/milter/runner.cpp: see runner.hpp.
#include "common/milter/runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "common/daemon/socket_spec.hpp"

namespace cachet::milter {
namespace detail {

struct Server {
  ConnectionShared shared;
  MilterOptions options;
  Fd listener;
  Fd wake;  // eventfd written by stop()
  std::atomic<bool> stopping{false};

  std::mutex mu;                    // guards everything below
  std::condition_variable work;     // a connection is queued, or stopping
  std::condition_variable drained;  // a worker thread ended
  std::deque<int> queue;            // accepted, not yet taken by a worker (owned)
  std::set<int> serving;            // being served (for stop's shutdown)
  std::size_t idle = 0;             // workers waiting for a connection
  std::size_t workers = 0;          // worker threads alive
  std::vector<std::thread> threads;
};

}  // namespace detail

namespace {

using detail::Server;

constexpr std::size_t kReadBytes = 64 * 1024;

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // includes the send timeout (EAGAIN)
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One MTA connection, until it closes, fails, times out or the server stops.
void serve(Server& s, int fd, std::vector<char>& buf) {
  const timeval tv{s.options.io_timeout_s, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  Connection conn(s.shared, [fd](std::string_view bytes) { return send_all(fd, bytes); });
  std::string out;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file, the read timeout, an error
    const bool keep = conn.receive(std::string_view(buf.data(), static_cast<std::size_t>(n)), out);
    if (!out.empty() && !send_all(fd, out)) break;
    out.clear();
    if (!keep) break;
  }
  conn.close();
}

void worker(const std::shared_ptr<Server>& s) {
  std::vector<char> buf(kReadBytes);
  std::unique_lock lock(s->mu);
  for (;;) {
    s->work.wait(lock, [&] { return !s->queue.empty() || s->stopping.load(); });
    if (s->queue.empty()) break;
    Fd fd(s->queue.front());
    s->queue.pop_front();
    --s->idle;
    s->serving.insert(fd.get());
    lock.unlock();
    serve(*s, fd.get(), buf);
    lock.lock();
    s->serving.erase(fd.get());  // before fd closes: stop() never shuts down a reused number
    ++s->idle;
  }
  --s->idle;
  --s->workers;
  s->drained.notify_all();
}

// Queues an accepted connection; starts a worker unless one is waiting for it.
void hand_over(const std::shared_ptr<Server>& s, int fd) {
  std::lock_guard lock(s->mu);
  s->queue.push_back(fd);
  if (s->queue.size() <= s->idle) {
    s->work.notify_one();
    return;
  }
  try {
    s->threads.emplace_back([s] { worker(s); });
    ++s->workers;
    ++s->idle;
  } catch (const std::system_error& e) {  // the connection waits for a busy worker
    log::Event(*s->shared.logger, log::Level::warning, "milter.thread_failed").kv("reason", e.what());
  }
}

void drain(Server& s) {
  std::unique_lock lock(s.mu);
  s.stopping.store(true);
  for (const int fd : s.queue) ::close(fd);
  s.queue.clear();
  for (const int fd : s.serving) ::shutdown(fd, SHUT_RD);  // idle readers see end of file
  s.work.notify_all();
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
  Fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return fail(Errc::temporary, std::string("eventfd: ") + std::strerror(errno));
  auto listener = daemon::listen_socket(*spec, daemon::process_umask());
  if (!listener) return fail(listener.error().code, "milter socket " + options.socket + ": " + listener.error().detail);
  // Non-blocking: a client gone between poll() and accept() must not block the listener.
  if (::fcntl(listener->get(), F_SETFL, ::fcntl(listener->get(), F_GETFL) | O_NONBLOCK) != 0)
    return fail(Errc::temporary, std::string("fcntl: ") + std::strerror(errno));
  server_->options = options;
  server_->wake = std::move(wake);
  server_->listener = std::move(*listener);
  return {};
}

int MilterRunner::run() {
  Server& s = *server_;
  if (!s.listener.valid()) return kFailed;
  int rc = kStopped;
  pollfd fds[2] = {{s.listener.get(), POLLIN, 0}, {s.wake.get(), POLLIN, 0}};
  bool pause = false;  // out of descriptors: accept again 100 ms later (or stop)
  while (!s.stopping.load()) {
    if (std::exchange(pause, false)) {
      (void)::poll(&fds[1], 1, 100);
      continue;
    }
    const int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      log::Event(*s.shared.logger, log::Level::error, "milter.listener_failed").kv("reason", std::strerror(errno));
      rc = kFailed;
      break;
    }
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(s.listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      hand_over(server_, fd);
    } else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      log::Event(*s.shared.logger, log::Level::warning, "milter.accept_error").kv("reason", std::strerror(errno));
      pause = true;
    }
  }
  drain(s);
  return rc;
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
  if (server_->wake.valid()) {
    const std::uint64_t one = 1;
    (void)!::write(server_->wake.get(), &one, sizeof one);
  }
}

}  // namespace cachet::milter
