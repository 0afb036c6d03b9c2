// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/privileges.cpp: see privileges.hpp.
#include "common/daemon/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cachet::daemon {
namespace {

Unexpected<Error> os_error(const std::string& what, int err) {
  return fail(Errc::internal, what + ": " + std::strerror(err));
}

std::string user_name(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) return pw.pw_name;
  return "uid " + std::to_string(uid);
}

std::string group_name(gid_t gid) {
  std::vector<char> buf(16384);
  group gr{};
  group* found = nullptr;
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) return gr.gr_name;
  return "gid " + std::to_string(gid);
}

}  // namespace

Result<UserSpec> parse_user_spec(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return fail(Errc::config, "NUL byte in user");
  const auto colon = text.find(':');
  UserSpec s;
  s.user = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    s.group = std::string(text.substr(colon + 1));
    if (s.group.empty()) return fail(Errc::config, "'" + std::string(text) + "': empty group");
    if (s.group.find(':') != std::string::npos)
      return fail(Errc::config, "'" + std::string(text) + "': expected user[:group]");
  }
  if (s.user.empty()) return fail(Errc::config, "'" + std::string(text) + "': empty user");
  return s;
}

Result<RunAs> resolve_user(const UserSpec& spec) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = ::getpwnam_r(spec.user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr)
    return fail(Errc::config,
                "unknown user '" + spec.user + "'" + (rc != 0 ? std::string(": ") + std::strerror(rc) : ""));
  RunAs who{spec.user, pw.pw_uid, pw.pw_gid, spec.group};
  if (!spec.group.empty()) {
    group gr{};
    group* gfound = nullptr;
    rc = ::getgrnam_r(spec.group.c_str(), &gr, buf.data(), buf.size(), &gfound);
    if (gfound == nullptr)
      return fail(Errc::config,
                  "unknown group '" + spec.group + "'" + (rc != 0 ? std::string(": ") + std::strerror(rc) : ""));
    who.gid = gr.gr_gid;
  }
  return who;
}

Result<void> give_to(const std::string& path, const RunAs& who) {
  if (::geteuid() != 0) return {};
  if (::lchown(path.c_str(), who.uid, who.gid) != 0) return os_error("chown " + path, errno);
  return {};
}

Result<void> check_can_become(const RunAs& who) {
  if (::geteuid() == 0) return {};
  if (::getuid() == who.uid && ::geteuid() == who.uid && ::getegid() == who.gid) return {};
  const std::string wanted = who.user + ":" + (who.group.empty() ? group_name(who.gid) : who.group);
  const std::string running = user_name(::geteuid()) + ":" + group_name(::getegid());
  return fail(Errc::config, "UserID " + wanted + ": not running as root but as " + running +
                                ", so the user cannot be switched; remove UserID (a systemd "
                                "unit's User=/Group= already chose the user) or set it to " +
                                running);
}

Result<void> drop_privileges(const RunAs& who) {
  if (::geteuid() != 0) return check_can_become(who);
  // Supplementary groups first (needs root), then the gid, then the uid: any other order
  // leaves a privilege behind.
  if (::initgroups(who.user.c_str(), who.gid) != 0) return os_error("initgroups", errno);
  if (::setgid(who.gid) != 0) return os_error("setgid", errno);
  if (::setuid(who.uid) != 0) return os_error("setuid", errno);
  if (who.uid != 0 && (::setuid(0) == 0 || ::geteuid() == 0))
    return fail(Errc::internal, "privileges not dropped: root can be regained");
  if (::getuid() != who.uid || ::getgid() != who.gid)
    return fail(Errc::internal, "privileges not dropped: ids did not change");
  return {};
}

}  // namespace cachet::daemon
