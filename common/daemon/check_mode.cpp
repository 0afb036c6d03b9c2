// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/check_mode.cpp: see check_mode.hpp.
#include "common/daemon/check_mode.hpp"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/daemon/socket_spec.hpp"

namespace cachet::daemon {
namespace {

std::optional<std::string> option_text(const config::Config& cfg, std::string_view name) {
  if (!cfg.has_option(name) || cfg.string(name).empty()) return std::nullopt;
  return cfg.string(name);
}

// The effective ids of the process switched to another user's and back (step 5).
class ScopedIdentity {
 public:
  // Errors: Errc::temporary with the failing call.
  static Result<std::unique_ptr<ScopedIdentity>> become(const RunAs& who) {
    auto s = std::unique_ptr<ScopedIdentity>(new ScopedIdentity());
    s->euid_ = ::geteuid();
    s->egid_ = ::getegid();
    const int n = ::getgroups(0, nullptr);
    s->groups_.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (n > 0 && ::getgroups(n, s->groups_.data()) < 0) return failed("getgroups");
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(who.user.c_str(), who.gid, groups.data(), &count) < 0) {
      groups.resize(static_cast<std::size_t>(count));
      if (::getgrouplist(who.user.c_str(), who.gid, groups.data(), &count) < 0) return failed("getgrouplist");
    }
    groups.resize(static_cast<std::size_t>(count));
    if (::setgroups(groups.size(), groups.data()) != 0) return failed("setgroups");
    s->switched_ = true;
    if (::setegid(who.gid) != 0) return failed("setegid");
    if (::seteuid(who.uid) != 0) return failed("seteuid");
    return s;
  }
  ~ScopedIdentity() {
    if (!switched_) return;
    // Back to root first: only root may set the groups again.
    (void)!::seteuid(euid_);
    (void)!::setegid(egid_);
    (void)!::setgroups(groups_.size(), groups_.data());
  }
  ScopedIdentity(const ScopedIdentity&) = delete;
  ScopedIdentity& operator=(const ScopedIdentity&) = delete;

 private:
  ScopedIdentity() = default;
  static Unexpected<Error> failed(const char* call) {
    const int err = errno;
    return fail(Errc::temporary, std::string(call) + ": " + std::strerror(err));
  }
  uid_t euid_ = 0;
  gid_t egid_ = 0;
  std::vector<gid_t> groups_;
  bool switched_ = false;
};

bool has_problem(const std::vector<config::Problem>& list, const config::Problem& p) {
  const std::string text = p.to_string();
  return std::any_of(list.begin(), list.end(), [&](const config::Problem& q) { return q.to_string() == text; });
}

void add_unique(std::vector<config::Problem>& list, config::Problem p) {
  if (!has_problem(list, p)) list.push_back(std::move(p));
}

// Step 5: the files spec.check loads, loaded again as the user a reload runs as (UserID),
// or, run as root without UserID, as the packaged unit's user (`is_packaged`): what that
// user cannot read is then an error, as for cachetctl testkey and doctor.
void check_as_user(const DaemonSpec& spec, const config::Config& cfg, const RunAs& who, bool is_packaged,
                   std::vector<config::Problem>& found) {
  std::vector<config::Problem> as_user;
  {
    auto identity = ScopedIdentity::become(who);
    if (!identity) {
      found.push_back(config::problem_at(cfg, "UserID",
                                         "cannot check the files as " + who.user + ": " + identity.error().detail, {},
                                         config::Severity::warning));
      return;
    }
    as_user = spec.check(cfg);
  }
  for (config::Problem& p : as_user) {
    if (p.severity != config::Severity::error || has_problem(found, p)) continue;
    if (is_packaged) {
      p.message += " (as " + who.user + ", the user the packaged unit runs " + std::string(spec.binary) +
                   " as; UserID root checks a start as root instead)";
    } else {
      p.severity = config::Severity::warning;
      p.message += " (as " + who.user + ": startup reads it as root, but a reload runs as " + who.user + " and fails)";
    }
    if (p.fix.empty()) p.fix = "let user " + who.user + " read it (chgrp/chmod)";
    found.push_back(std::move(p));
  }
}

}  // namespace

config::SourceLocation source_of(const config::Problem& p) { return {p.file, p.line}; }

Result<RunAs> usable_user(const std::string& text) {
  auto spec = parse_user_spec(text);
  if (!spec) return Unexpected<Error>(std::move(spec).error());
  auto who = resolve_user(*spec);
  if (!who) return who;
  if (auto r = check_can_become(*who); !r) return Unexpected<Error>(std::move(r).error());
  return who;
}

std::vector<config::Problem> check_socket_directory(const std::string& socket_text,
                                                    const config::SourceLocation& where) {
  std::vector<config::Problem> out;
  auto spec = parse_socket_spec(socket_text);
  if (!spec || !spec->is_unix()) return out;
  const std::string dir = std::filesystem::path(spec->path).parent_path().string();
  if (dir.empty()) return out;
  auto add = [&](std::string message, std::string fix) {
    out.push_back(
        config::Problem{where.file, where.line, "Socket", std::move(message), config::Severity::error, std::move(fix)});
  };
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT)
      add("directory " + dir + " does not exist",
          "create it (packages: systemd-tmpfiles --create; by hand: mkdir -p " + dir + "), or choose another Socket");
    else
      add("cannot examine directory " + dir + ": " + std::strerror(err),
          "let this user search the directories above " + dir);
    return out;
  }
  if (!S_ISDIR(st.st_mode)) {
    add(dir + " is not a directory", "choose a Socket in a directory");
    return out;
  }
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
    const int err = errno;
    add("cannot create the socket in " + dir + ": " + std::strerror(err),
        "run as the directory's owner (packages: the unit's User=) or chown it to that user");
  }
  return out;
}

void run_check_mode(const DaemonSpec& spec, config::ConfigOutcome& outcome) {
  const std::shared_ptr<const config::Config> snapshot = outcome.config ? outcome.config : outcome.partial;
  if (!snapshot) return;
  const config::Config& cfg = *snapshot;
  std::vector<config::Problem> found;
  // load_all ran validate on a clean parse only; with parse errors run it on what parsed.
  if (!outcome.config && spec.validate)
    for (config::Problem& p : spec.validate(cfg)) add_unique(outcome.problems, std::move(p));
  std::optional<RunAs> run_as;
  if (const auto user = option_text(cfg, "UserID")) {
    // The runtime's own messages name UserID and its value already.
    if (auto who = usable_user(*user)) {
      run_as = *who;
    } else {
      const config::Problem at = config::problem_at(cfg, "UserID", "");
      found.push_back(config::Problem{at.file, at.line, "", who.error().detail});
    }
  }
  const bool is_stdio = spec.serves_stdio && spec.serves_stdio(cfg);
  if (const auto socket = option_text(cfg, "Socket"); socket && !is_stdio) {
    for (config::Problem& p : check_socket_directory(*socket, source_of(config::problem_at(cfg, "Socket", ""))))
      found.push_back(std::move(p));
  }
  if (spec.check) {
    for (config::Problem& p : spec.check(cfg)) add_unique(found, std::move(p));
    if (run_as && ::geteuid() == 0 && run_as->uid != 0) {
      check_as_user(spec, cfg, *run_as, /*is_packaged=*/false, found);
    } else if (!run_as && ::geteuid() == 0 && !spec.packaged_user.empty()) {
      if (auto packaged = usable_user(std::string(spec.packaged_user)); packaged && packaged->uid != 0)
        check_as_user(spec, cfg, *packaged, /*is_packaged=*/true, found);
    }
  }
  for (config::Problem& p : found) {
    if (p.severity == config::Severity::error) outcome.config.reset();
    add_unique(outcome.problems, std::move(p));
  }
}

}  // namespace cachet::daemon
