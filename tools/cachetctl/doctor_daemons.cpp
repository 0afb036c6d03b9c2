// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/doctor_daemons.cpp: see doctor_daemons.hpp.
#include "tools/cachetctl/doctor_daemons.hpp"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/base/fd.hpp"
#include "common/base/strings.hpp"
#include "common/milter/wire.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {
namespace {

constexpr int kTimeoutMs = 5000;

Unexpected<Error> os_error(const std::string& what) {
  const int err = errno;
  return fail(Errc::temporary, what + ": " + std::strerror(err));
}

Result<Fd> connect_unix(const std::string& path) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) return fail(Errc::config, path + ": path too long");
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return os_error("socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return os_error("connect " + path);
  return fd;
}

Result<void> send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("send");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Reads until `done(buffer)` or the deadline.
Result<std::string> read_until(int fd, bool (*done)(const std::string&)) {
  std::string buf;
  char chunk[4096];
  while (!done(buf)) {
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, kTimeoutMs);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return fail(Errc::temporary, "no answer within 5 s");
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("recv");
    if (n == 0) return fail(Errc::temporary, "connection closed without an answer");
    buf.append(chunk, static_cast<std::size_t>(n));
    if (buf.size() > 65536) return fail(Errc::temporary, "answer too long");
  }
  return buf;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// What `bin --check-config --config=conf` says, run as `user` when we are root and it exists.
CommandRun run_check(const std::string& bin, const std::string& conf, const std::string& user) {
  return run_program({bin, "--check-config", "--config=" + conf}, user, /*with_stderr=*/true, 65536);
}

// The Socket line of a daemon's file ("local:/run/...", "unix:/..."), as a path; "" if none.
std::string socket_path(const std::string& conf) {
  auto text = read_input(conf, 1u << 20);
  if (!text) return {};
  std::string path;
  for (std::string_view line : split(*text, '\n')) {
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    const auto ws = line.find_first_of(" \t=");
    if (ws == std::string_view::npos || !iequals(line.substr(0, ws), "Socket")) continue;
    std::string_view v = trim(line.substr(ws));
    if (!v.empty() && v.front() == '=') v = trim(v.substr(1));
    for (std::string_view scheme : {"local:", "unix:"})
      if (v.rfind(scheme, 0) == 0) v.remove_prefix(scheme.size());
    path = v.empty() || v.front() != '/' ? std::string() : std::string(v);
  }
  return path;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

struct DaemonInfo {
  const char* name;  // "dkim"
  bool is_milter;
  const char* unit_socket;  // the unit's --socket, when the file has none (cachet-spf)
};

}  // namespace

CommandRun run_program(const std::vector<std::string>& argv, const std::string& user, bool with_stderr,
                       std::size_t max_bytes) {
  CommandRun out;
  const passwd* pw = ::geteuid() == 0 && !user.empty() ? ::getpwnam(user.c_str()) : nullptr;
  const uid_t uid = pw ? pw->pw_uid : ::geteuid();
  const gid_t gid = pw ? pw->pw_gid : ::getegid();
  out.as = pw ? user : "the current user";
  if (argv.empty()) return out;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // execv takes char* const[]
  args.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return out;
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return out;
  if (pid == 0) {
    ::dup2(write_end.get(), STDOUT_FILENO);
    if (with_stderr) {
      ::dup2(write_end.get(), STDERR_FILENO);
    } else {
      const int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, STDERR_FILENO);
    }
    if (pw && (::initgroups(user.c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  write_end = Fd();
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.output.size() < max_bytes) out.output.append(chunk, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

Result<void> probe_milter(const std::string& path) {
  auto fd = connect_unix(path);
  if (!fd) return Unexpected<Error>(fd.error());
  namespace wire = milter::wire;
  const std::string payload = be32(wire::kProtocolVersion) + be32(0x1ff) + be32(0x1fffff);
  if (auto r = send_all(fd->get(), wire::encode_packet(wire::kCmdOptneg, payload)); !r)
    return Unexpected<Error>(r.error());
  auto reply = read_until(fd->get(), [](const std::string& b) {
    if (b.size() < 4) return false;
    const std::uint32_t len = (static_cast<unsigned char>(b[0]) << 24) | (static_cast<unsigned char>(b[1]) << 16) |
                              (static_cast<unsigned char>(b[2]) << 8) | static_cast<unsigned char>(b[3]);
    return b.size() >= 4 + static_cast<std::size_t>(len);
  });
  if (!reply) return Unexpected<Error>(reply.error());
  if (reply->size() < 5 || (*reply)[4] != wire::kCmdOptneg)
    return fail(Errc::temporary, "the answer is not an option negotiation");
  (void)send_all(fd->get(), wire::encode_packet(wire::kCmdQuit, ""));
  return {};
}

Result<std::string> probe_policy(const std::string& path) {
  auto fd = connect_unix(path);
  if (!fd) return Unexpected<Error>(fd.error());
  const std::string request =
      "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
      "client_address=127.0.0.1\nclient_name=localhost\nhelo_name=localhost\n"
      "sender=\nrecipient=postmaster@localhost\nqueue_id=\ninstance=doctor\n\n";
  if (auto r = send_all(fd->get(), request); !r) return Unexpected<Error>(r.error());
  auto reply = read_until(fd->get(), [](const std::string& b) { return b.find("\n\n") != std::string::npos; });
  if (!reply) return Unexpected<Error>(reply.error());
  if (reply->rfind("action=", 0) != 0) return fail(Errc::temporary, "the answer has no action= line");
  return reply->substr(0, reply->find('\n'));
}

void check_daemons(const DaemonPlaces& places, doctor::Findings& out) {
  static constexpr DaemonInfo kDaemons[] = {{"dkim", true, nullptr},
                                            {"dmarc", true, nullptr},
                                            {"spf", false, "/run/cachet-spf/spf.sock"},
                                            {"sender", false, nullptr}};
  for (const DaemonInfo& d : kDaemons) {
    const std::string name = std::string("cachet-") + d.name;
    const std::string bin = places.sbin_dir + "/" + name;
    const std::string conf = places.config_dir + "/" + d.name + ".conf";
    if (!exists(bin)) continue;  // not installed
    const std::string check = "daemon." + std::string(d.name);
    if (!exists(conf)) {
      out.push_back({check, doctor::Mark::advice, name + " is installed but " + conf + " does not exist",
                     "install the example (packaging/conf/" + std::string(d.name) + ".conf) or remove the package"});
      continue;
    }
    const CommandRun run = run_check(bin, conf, name);
    if (run.status == 0) {
      out.push_back(
          {check, doctor::Mark::ok, name + " --check-config passes for " + conf + " (as " + run.as + ")", ""});
    } else {
      std::string first = run.output.substr(0, run.output.find('\n'));
      out.push_back(
          {check, doctor::Mark::problem,
           name + " --check-config fails (exit " + std::to_string(run.status) + ", as " + run.as + "): " + first,
           "fix what `" + name + " --check-config --config=" + conf + "` lists (each line names its fix)"});
    }
    std::string sock = socket_path(conf);
    const bool is_unit_socket = sock.empty() && d.unit_socket != nullptr;
    if (is_unit_socket) sock = d.unit_socket;
    if (sock.empty()) continue;  // spawn mode: nothing listens
    const bool is_spawned = std::find(places.spawned.begin(), places.spawned.end(), name) != places.spawned.end();
    if (!exists(sock) && is_unit_socket && is_spawned) {
      out.push_back({check + ".socket", doctor::Mark::ok,
                     name + " runs from master.cf (spawn), so its unit's socket " + sock + " is not needed", ""});
      continue;
    }
    if (!exists(sock)) {
      out.push_back({check + ".socket", doctor::Mark::problem, sock + " does not exist: " + name + " is not running",
                     "systemctl enable --now " + name + "; journalctl -u " + name + " says why it stopped"});
      continue;
    }
    if (d.is_milter) {
      if (auto r = probe_milter(sock))
        out.push_back({check + ".socket", doctor::Mark::ok, sock + " answers the milter negotiation", ""});
      else
        out.push_back({check + ".socket", doctor::Mark::problem, sock + ": " + r.error().detail,
                       "systemctl restart " + name + "; journalctl -u " + name});
    } else {
      if (auto r = probe_policy(sock))
        out.push_back({check + ".socket", doctor::Mark::ok, sock + " answers a policy request (" + *r + ")", ""});
      else
        out.push_back({check + ".socket", doctor::Mark::problem, sock + ": " + r.error().detail,
                       "systemctl restart " + name + "; journalctl -u " + name});
    }
  }
}

}  // namespace cachet::ctl
