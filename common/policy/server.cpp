// SPDX-License-Identifier: BSD-2-Clause
// common/policy/server.cpp: see server.hpp. The event loop: listeners, connections and
// the wake-up eventfd share one epoll set (level-triggered); deadlines live in an ordered
// set so the nearest one bounds epoll_wait.
#include "common/policy/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <set>
#include <unordered_map>
#include <utility>

#include "common/base/fd.hpp"
#include "common/policy/session.hpp"
#include "common/policy/worker_pool.hpp"

namespace cachet::policy {

namespace {

constexpr std::uint64_t kWakeKey = 0;  // listeners are 1..L, connections follow
constexpr std::size_t kReadChunk = 16384;
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

// "unix:pid=N" (peer credentials), "192.0.2.1:1234", "[2001:db8::1]:1234" or "unknown".
std::string describe_peer(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown";
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  if (ss.ss_family == AF_UNIX) {
    ucred cred{};
    socklen_t clen = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) return "unix:pid=" + std::to_string(cred.pid);
    return "unix";
  }
  return "unknown";
}

// The descriptor a creating call returned; when it failed, errno is kept in `err` (read
// here, right after the call, before anything else can overwrite it).
Fd fd_or_errno(int fd, int& err) noexcept {
  if (fd < 0) err = errno;
  return Fd(fd);
}

// epoll_ctl's errno (0 on success), read right after the call.
int epoll_update(int epfd, int op, int fd, epoll_event* ev) noexcept {
  if (::epoll_ctl(epfd, op, fd, ev) == 0) return 0;
  return errno;
}

struct Conn {
  enum class State { reading, busy, writing };
  Conn(std::uint64_t id, Fd socket, const SessionOptions& options, Clock::time_point now)
      : fd(std::move(socket)), session(id, describe_peer(fd.get()), options, now) {}
  Fd fd;
  Session session;
  State state = State::reading;
  std::string out;
  std::size_t out_off = 0;
  bool peer_gone = false;                     // hung up while its request was with a worker
  std::optional<Clock::time_point> deadline;  // its entry in Impl::deadlines_
};

}  // namespace

class PolicyServer::Impl {
 public:
  Impl(std::vector<int> listeners, PolicyHandler& handler, log::Logger& logger, ServerOptions options);
  Result<void> run();
  void stop() noexcept {
    stopping_.store(true);
    if (wake_.valid()) wake(wake_.get());
  }
  std::size_t connection_count() const noexcept { return active_.load(); }

 private:
  Result<void> setup();
  Result<void> loop();
  int next_timeout_ms() const noexcept;
  void apply_stop();
  void on_wake();
  void on_listener(int fd);
  void on_conn(std::uint64_t id, std::uint32_t events);
  void on_readable(Conn& c);
  void process_input(Conn& c);
  void dispatch(Conn& c, Request request);
  void complete(Conn& c, std::optional<std::string> reply);
  void flush(Conn& c);
  [[nodiscard]] bool set_events(Conn& c, std::uint32_t events);
  void epoll_warning(const char* op, int err);
  void set_deadline(Conn& c, std::optional<Clock::time_point> when);
  void expire_deadlines();
  void close_conn(std::uint64_t id);
  void pause_listeners(bool pause);

  std::vector<int> listeners_;
  PolicyHandler& handler_;
  log::Logger& logger_;
  ServerOptions options_;
  int epoll_errno_ = 0;  // errno of epoll_create1 / eventfd, when they failed
  int wake_errno_ = 0;
  Fd epoll_;
  Fd wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> active_{0};
  bool stop_applied_ = false;
  bool workers_joined_ = false;
  bool listeners_paused_ = false;
  std::optional<Clock::time_point> resume_at_;
  log::Episode accept_failing_;  // accept() errors: logged once per episode
  std::uint64_t next_id_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns_;
  std::set<std::pair<Clock::time_point, std::uint64_t>> deadlines_;
  WorkerPool workers_;
};

PolicyServer::Impl::Impl(std::vector<int> listeners, PolicyHandler& handler, log::Logger& logger, ServerOptions options)
    : listeners_(std::move(listeners)),
      handler_(handler),
      logger_(logger),
      options_(options),
      epoll_(fd_or_errno(::epoll_create1(EPOLL_CLOEXEC), epoll_errno_)),
      wake_(fd_or_errno(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), wake_errno_)),
      next_id_(listeners_.size() + 1),
      workers_(handler, logger, options.session.on_handler_error, wake_.get()) {
  if (options_.max_connections == 0) options_.max_connections = 1;
}

Result<void> PolicyServer::Impl::setup() {
  if (!epoll_.valid()) return Unexpected(errno_error("epoll_create1", epoll_errno_));
  if (!wake_.valid()) return Unexpected(errno_error("eventfd", wake_errno_));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  if (const int err = epoll_update(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev); err != 0)
    return Unexpected(errno_error("epoll_ctl", err));
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    if (auto nb = set_nonblocking(listeners_[i]); !nb) return nb;
    ev.data.u64 = i + 1;
    if (const int err = epoll_update(epoll_.get(), EPOLL_CTL_ADD, listeners_[i], &ev); err != 0)
      return Unexpected(errno_error("epoll_ctl", err));
  }
  return {};
}

Result<void> PolicyServer::Impl::run() {
  if (auto ok = setup(); !ok) return ok;
  workers_.start(options_.worker_threads);
  auto result = loop();
  workers_.stop();  // in-flight jobs finish first, so no job outlives its connection
  workers_joined_ = true;
  while (!conns_.empty()) close_conn(conns_.begin()->first);
  return result;
}

Result<void> PolicyServer::Impl::loop() {
  std::array<epoll_event, 64> events{};
  for (;;) {
    if (stopping_.load() && !stop_applied_) apply_stop();
    if (stop_applied_ && conns_.empty()) return {};
    const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), next_timeout_ms());
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      return Unexpected(errno_error("epoll_wait", err));
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t key = events[i].data.u64;
      if (key == kWakeKey)
        on_wake();
      else if (key <= listeners_.size())
        on_listener(listeners_[key - 1]);
      else
        on_conn(key, events[i].events);
    }
    expire_deadlines();
    if (resume_at_ && Clock::now() >= *resume_at_) {
      resume_at_.reset();
      if (conns_.size() < options_.max_connections) pause_listeners(false);
    }
  }
}

int PolicyServer::Impl::next_timeout_ms() const noexcept {
  std::optional<Clock::time_point> next = resume_at_;
  if (!deadlines_.empty() && (!next || deadlines_.begin()->first < *next)) next = deadlines_.begin()->first;
  return next ? poll_timeout_ms(*next) : -1;
}

void PolicyServer::Impl::apply_stop() {
  stop_applied_ = true;
  for (const int fd : listeners_)
    if (const int err = epoll_update(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); err != 0)
      epoll_warning("del listener", err);
  resume_at_.reset();
  std::vector<std::uint64_t> idle;
  for (const auto& [id, c] : conns_)
    if (c->state != Conn::State::busy) idle.push_back(id);
  for (const auto id : idle) close_conn(id);
}

void PolicyServer::Impl::on_wake() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(wake_.get(), &count, sizeof count);
  for (auto& done : workers_.take_done()) {
    const auto it = conns_.find(done.conn_id);
    if (it != conns_.end()) complete(*it->second, std::move(done.reply));
  }
}

void PolicyServer::Impl::on_listener(int listen_fd) {
  while (!stop_applied_ && !listeners_paused_) {
    if (conns_.size() >= options_.max_connections) {
      log::Event(logger_, log::Level::warning, "policy.connection_limit")
          .kv("max", static_cast<long long>(options_.max_connections));
      pause_listeners(true);
      return;
    }
    Fd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED) return;
      if (accept_failing_.begin())
        log::Event(logger_, log::Level::warning, "policy.accept_error").kv("detail", errno_error("accept", err).detail);
      pause_listeners(true);  // e.g. EMFILE: level-triggered epoll would spin
      resume_at_ = Clock::now() + kAcceptPause;
      return;
    }
    if (accept_failing_.end()) log::Event(logger_, log::Level::info, "policy.accept_recovered");
    const std::uint64_t id = next_id_++;
    const int raw = fd.get();
    auto conn = std::make_unique<Conn>(id, std::move(fd), options_.session, Clock::now());
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = id;
    if (const int err = epoll_update(epoll_.get(), EPOLL_CTL_ADD, raw, &ev); err != 0) {
      epoll_warning("add connection", err);
      continue;  // conn closes
    }
    Conn& c = *conn;
    conns_.emplace(id, std::move(conn));
    active_.store(conns_.size());
    set_deadline(c, c.session.deadline());
  }
}

void PolicyServer::Impl::on_conn(std::uint64_t id, std::uint32_t events) {
  const auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  switch (c.state) {
    case Conn::State::reading: on_readable(c); break;
    case Conn::State::writing:
      if (events & (EPOLLERR | EPOLLHUP))
        close_conn(id);
      else
        flush(c);
      break;
    case Conn::State::busy:
      // Only EPOLLHUP/EPOLLERR arrive while busy; stop watching (they are level-triggered)
      // and drop the connection when its worker is done.
      c.peer_gone = true;
      if (const int err = epoll_update(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr); err != 0)
        epoll_warning("del connection", err);
      break;
  }
}

void PolicyServer::Impl::on_readable(Conn& c) {
  char buf[kReadChunk];
  auto n = read_some(c.fd.get(), buf, sizeof buf);
  if (!n) {  // reset by peer and the like: nothing useful to report per connection
    close_conn(c.session.info().id);
    return;
  }
  if (!n->has_value()) return;
  if (**n == 0) {
    c.session.closed_by_peer(logger_);
    close_conn(c.session.info().id);
    return;
  }
  c.session.received(std::string_view(buf, **n), Clock::now());
  process_input(c);
}

// Dispatches the next buffered request, or waits for more input.
void PolicyServer::Impl::process_input(Conn& c) {
  auto request = c.session.next_request(logger_);
  if (!request) {
    close_conn(c.session.info().id);
    return;
  }
  if (request->has_value()) {
    dispatch(c, std::move(**request));
    return;
  }
  if (c.state != Conn::State::reading) {
    c.state = Conn::State::reading;
    if (!set_events(c, EPOLLIN | EPOLLRDHUP)) {  // it would never be read again
      close_conn(c.session.info().id);
      return;
    }
  }
  set_deadline(c, c.session.deadline());
}

void PolicyServer::Impl::dispatch(Conn& c, Request request) {
  if (options_.worker_threads == 0) {
    complete(c, answer(handler_, request, c.session.info(), options_.session.on_handler_error, logger_));
    return;
  }
  if (!set_events(c, 0)) {  // still watched: its events would read as a hang-up while busy
    close_conn(c.session.info().id);
    return;
  }
  c.state = Conn::State::busy;
  set_deadline(c, std::nullopt);  // the handler's own timeouts bound a busy connection
  workers_.submit(Job{c.session.info().id, std::move(request), c.session.info()});
}

void PolicyServer::Impl::complete(Conn& c, std::optional<std::string> reply) {
  c.state = Conn::State::writing;  // no longer busy: close_conn() may now free it
  if (c.peer_gone || !reply) {
    close_conn(c.session.info().id);
    return;
  }
  c.out = std::move(*reply);
  c.out_off = 0;
  flush(c);
}

void PolicyServer::Impl::flush(Conn& c) {
  const std::uint64_t id = c.session.info().id;
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n >= 0) {
      c.out_off += static_cast<std::size_t>(n);
      continue;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if ((err == EAGAIN || err == EWOULDBLOCK) && !stop_applied_) {
      if (!set_events(c, EPOLLOUT)) {  // the rest would never be sent
        close_conn(id);
        return;
      }
      c.session.touch(Clock::now());
      set_deadline(c, c.session.deadline());
      return;
    }
    close_conn(id);  // peer gone, or stopping and the reply does not fit at once
    return;
  }
  c.out.clear();
  c.session.touch(Clock::now());
  if (stop_applied_) {
    close_conn(id);
    return;
  }
  process_input(c);  // a pipelined request may already be buffered
}

bool PolicyServer::Impl::set_events(Conn& c, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = c.session.info().id;
  const int err = epoll_update(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
  if (err != 0) epoll_warning("mod connection", err);
  return err == 0;
}

void PolicyServer::Impl::epoll_warning(const char* op, int err) {
  log::Event(logger_, log::Level::warning, "policy.epoll_error")
      .kv("op", op)
      .kv("detail", errno_error("epoll_ctl", err).detail);
}

void PolicyServer::Impl::set_deadline(Conn& c, std::optional<Clock::time_point> when) {
  const std::uint64_t id = c.session.info().id;
  if (c.deadline) deadlines_.erase({*c.deadline, id});
  c.deadline = when;
  if (when) deadlines_.insert({*when, id});
}

void PolicyServer::Impl::expire_deadlines() {
  const auto now = Clock::now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const std::uint64_t id = deadlines_.begin()->second;
    const auto it = conns_.find(id);
    if (it == conns_.end()) {  // cannot happen: close_conn removes the entry
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    if (it->second->state == Conn::State::reading) it->second->session.timed_out(logger_);
    close_conn(id);
  }
}

void PolicyServer::Impl::close_conn(std::uint64_t id) {
  const auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  set_deadline(c, std::nullopt);
  // Closing the fd removes it from the epoll set. A busy connection stays until its
  // worker is done: the job's ConnectionInfo points into it.
  if (c.state == Conn::State::busy && !workers_joined_) {
    c.peer_gone = true;
    return;
  }
  conns_.erase(it);
  active_.store(conns_.size());
  if (listeners_paused_ && !resume_at_ && !stop_applied_) pause_listeners(false);
}

void PolicyServer::Impl::pause_listeners(bool pause) {
  if (listeners_paused_ == pause) return;
  listeners_paused_ = pause;
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    epoll_event ev{};
    ev.events = pause ? 0u : static_cast<std::uint32_t>(EPOLLIN);
    ev.data.u64 = i + 1;
    if (const int err = epoll_update(epoll_.get(), EPOLL_CTL_MOD, listeners_[i], &ev); err != 0)
      epoll_warning(pause ? "pause listener" : "resume listener", err);
  }
}

PolicyServer::PolicyServer(std::vector<int> listeners, PolicyHandler& handler, log::Logger& logger,
                           ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(listeners), handler, logger, options)) {}

PolicyServer::~PolicyServer() = default;

Result<void> PolicyServer::run() { return impl_->run(); }
void PolicyServer::stop() noexcept { impl_->stop(); }
std::size_t PolicyServer::connection_count() const noexcept { return impl_->connection_count(); }

}  // namespace cachet::policy
