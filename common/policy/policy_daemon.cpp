// SPDX-License-Identifier: BSD-2-Clause
// common/policy/policy_daemon.cpp: see policy_daemon.hpp.
#include "common/policy/policy_daemon.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <stop_token>
#include <string>

#include "common/base/fd.hpp"
#include "common/base/strings.hpp"
#include "common/daemon/socket_spec.hpp"

namespace cachet::policy {

bool is_spawn_socket(std::string_view socket_text) noexcept {
  const std::string_view t = trim(socket_text);
  return t.empty() || iequals(t, kSpawnSocketWord);
}

bool is_spawn_mode(const config::Config& cfg) {
  return !cfg.has_option("Socket") || is_spawn_socket(cfg.string("Socket"));
}

std::vector<config::Problem> check_socket_option(const config::Config& cfg) {
  std::vector<config::Problem> problems;
  if (is_spawn_mode(cfg)) return problems;
  if (auto s = daemon::parse_socket_spec(cfg.string("Socket")); !s) {
    const auto where = cfg.origin("Socket").value_or(config::SourceLocation{"default", 0});
    problems.push_back(config::Problem{where.file, where.line, "Socket", s.error().detail});
  }
  return problems;
}

int spawn_exit_status(SpawnEnd end) noexcept {
  switch (end) {
    case SpawnEnd::eof:
    case SpawnEnd::idle_timeout: return 0;
    case SpawnEnd::bad_request:
    case SpawnEnd::handler_error: return 1;
    case SpawnEnd::io_error: return 2;
  }
  return 2;
}

Result<std::string> SwappableHandler::handle(const Request& request, const ConnectionInfo& conn) {
  const std::shared_ptr<PolicyHandler> h = load();
  if (!h) return fail(Errc::internal, "no handler installed");
  if (errors_ == nullptr) return h->handle(request, conn);
  try {
    Result<std::string> r = h->handle(request, conn);
    if (!r) errors_->inc(to_string(r.error().code));
    return r;
  } catch (...) {
    errors_->inc("internal");
    throw;  // answer() turns it into the failure reply and logs it
  }
}

namespace {

// spawn(8) connects stdin, stdout and stderr to the same socket: anything printed to
// stderr would reach smtpd as a malformed reply. Two fstat calls, no heavier checks.
bool stderr_is_stdout_socket() noexcept {
  struct stat out {
  }, err{};
  if (::fstat(STDOUT_FILENO, &out) != 0 || ::fstat(STDERR_FILENO, &err) != 0) return false;
  return S_ISSOCK(out.st_mode) && out.st_dev == err.st_dev && out.st_ino == err.st_ino;
}

void silence_stderr() noexcept {
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) return;
  (void)::dup2(null_fd, STDERR_FILENO);  // dup2 clears FD_CLOEXEC on the copy
  ::close(null_fd);
}

// The state one run_policy_daemon call shares between the runtime's callbacks.
class PolicyDaemon {
 public:
  explicit PolicyDaemon(const PolicyDaemonSpec& spec) : spec_(spec) {
    if (spec_.metrics == nullptr) return;
    errors_ = metrics::FixedLabelCounter(*spec_.metrics, "cachet_policy_errors_total",
                                         "requests answered without a decision, by error class", "class",
                                         {"temporary", "permanent", "bad_input", "config", "internal"});
    handler_.set_error_counter(&errors_);
  }

  daemon::DaemonSpec daemon_spec() {
    daemon::DaemonSpec d = spec_;  // the runtime's part; the rest is ours
    d.validate = [this](const config::Config& cfg) {
      auto problems = check_socket_option(cfg);
      if (spec_.validate)
        for (auto& p : spec_.validate(cfg)) problems.push_back(std::move(p));
      return problems;
    };
    d.serves_stdio = [](const config::Config& cfg) { return is_spawn_mode(cfg); };
    d.open = [this](const daemon::OpenContext& ctx) { return open(ctx); };
    d.serve = [this](daemon::ServeContext& ctx) { return serve(ctx); };
    d.reload = [this](const std::shared_ptr<const config::Config>& cfg, log::Logger& logger) {
      return reload(cfg, logger);
    };
    return d;
  }

 private:
  Result<void> open(const daemon::OpenContext& ctx) {
    spawn_ = is_spawn_mode(ctx.config);
    // The handler first: a broken map then fails startup before a socket file exists (none
    // left behind for Postfix to find dead, and the check mode's verdict is startup's).
    // The startup snapshot as a shared_ptr the handler may keep beyond open().
    auto snapshot = std::make_shared<const config::Config>(ctx.config);
    auto handler = spec_.make_handler(snapshot, ctx.logger);
    if (!handler) return fail(handler.error().code, handler.error().detail);
    handler_.store(std::move(*handler));
    if (!spawn_) {
      auto socket = daemon::parse_socket_spec(ctx.config.string("Socket"));
      if (!socket) return fail(Errc::config, "Socket: " + socket.error().detail);
      auto fd = daemon::listen_socket(*socket, daemon::process_umask());
      if (!fd) return fail(fd.error().code, "listen " + ctx.config.string("Socket") + ": " + fd.error().detail);
      listener_ = std::move(*fd);
    }
    return {};
  }

  int serve(daemon::ServeContext& ctx) {
    if (spawn_) return serve_spawn(ctx);
    PolicyServer server({listener_.get()}, handler_, ctx.logger, spec_.server);
    std::shared_ptr<void> open_series;  // destroyed before server: never reads a dead server
    if (spec_.metrics != nullptr)
      open_series = spec_.metrics->add_callback("cachet_policy_connections_open", "Postfix policy connections open now",
                                                metrics::Registry::CallbackKind::gauge,
                                                [&server] { return static_cast<double>(server.connection_count()); });
    std::stop_callback on_stop(ctx.stop, [&server] { server.stop(); });
    if (auto r = server.run(); !r) {
      log::Event(ctx.logger, log::Level::error, "policy.server_failed").kv("reason", r.error().detail);
      return daemon::kExitOsError;
    }
    return daemon::kExitOk;
  }

  int serve_spawn(daemon::ServeContext& ctx) {
    std::stop_callback on_stop(ctx.stop, [] {
      // Wake run_spawn with end of file; a pipe cannot be shut down, so leave at once
      // (no reply is half written that Postfix would not retry).
      if (::shutdown(STDIN_FILENO, SHUT_RD) != 0) ::_exit(0);
    });
    const SpawnEnd end = run_spawn(handler_, ctx.logger, spec_.server.session);
    return spawn_exit_status(end);
  }

  Result<void> reload(const std::shared_ptr<const config::Config>& cfg, log::Logger& logger) {
    auto handler = spec_.make_handler(cfg, logger);
    if (!handler) return fail(handler.error().code, handler.error().detail);
    handler_.store(std::move(*handler));
    return {};
  }

  const PolicyDaemonSpec& spec_;
  bool spawn_ = false;
  Fd listener_;
  SwappableHandler handler_;
  metrics::FixedLabelCounter errors_;
};

}  // namespace

int run_policy_daemon(const PolicyDaemonSpec& spec, int argc, char** argv) {
  if (stderr_is_stdout_socket()) silence_stderr();
  PolicyDaemon d(spec);
  const daemon::DaemonSpec ds = d.daemon_spec();
  return daemon::run_daemon(ds, argc, argv);
}

}  // namespace cachet::policy
