// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_file.cpp: key file reading and the one key-safety rule (key_file.hpp).
#include "common/dkim/key_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/base/fd.hpp"
#include "common/base/strings.hpp"

namespace cachet::dkim {

namespace {

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string who_can(mode_t mode, mode_t group_bit, mode_t other_bit) {
  const bool g = (mode & group_bit) != 0;
  const bool o = (mode & other_bit) != 0;
  if (g && o) return "group and others";
  return g ? "group" : "others";
}

bool is_owner_ok(uid_t owner, const KeyUser& user) { return owner == 0 || owner == user.uid; }

void judge_file(const PathStat& f, const GroupStat& group, const KeyUser& user, std::vector<KeyFileProblem>& out) {
  if (!S_ISREG(f.mode)) {
    out.push_back({f.path, "not a regular file", "use a plain file for the key"});
    return;
  }
  if (!is_owner_ok(f.uid, user))
    out.push_back({f.path, "owned by uid " + std::to_string(f.uid) + ", not by " + user.name + " or root",
                   "chown " + user.name + " " + f.path});
  const bool is_group_private = group.others.empty();
  // Group read is fine for a group only the key user (and root) is in: the packaged layout.
  const mode_t allowed = is_group_private ? S_IRGRP : 0;
  if ((f.mode & (S_IRWXG | S_IRWXO) & ~allowed) == 0) return;
  const std::string fix = "chmod " + std::string((f.mode & allowed) != 0 ? "0640 " : "0600 ") + f.path;
  std::string what;
  if ((f.mode & S_IRGRP & ~allowed) != 0)
    what = "readable by group " + group.name + ", which other users are in (" + group.others.front() + ")";
  if ((f.mode & S_IROTH) != 0) what += std::string(what.empty() ? "" : ", ") + "readable by others";
  if ((f.mode & (S_IWGRP | S_IWOTH)) != 0)
    what += std::string(what.empty() ? "" : ", ") + "writable by " + who_can(f.mode, S_IWGRP, S_IWOTH);
  if (what.empty()) what = "has group or other execute bits";
  // Judged for root (a check run by root without UserID) and the only reader besides root
  // is one user through the group: most likely the packaged layout (0640 root:cachet-dkim),
  // which chmod 0600 would lock the daemon out of. Say how to judge it for that user first.
  const bool is_only_group_read = (f.mode & (S_IROTH | S_IWGRP | S_IWOTH | S_IXGRP | S_IXOTH)) == 0;
  if (user.uid == 0 && is_only_group_read && group.others.size() == 1) {
    const std::string& o = group.others.front();
    out.push_back({f.path, what + " (mode " + octal_mode(f.mode) + ")",
                   "if " + o + " runs the daemon (the packaged layout), judge the key for " + o + ": UserID " + o +
                       ", cachetctl testkey -u " + o + ", or runuser -u " + o + " -- cachet-dkim -n; else " + fix});
    return;
  }
  out.push_back({f.path, what + " (mode " + octal_mode(f.mode) + ")", fix});
}

void judge_dir(const PathStat& d, const KeyUser& user, std::vector<KeyFileProblem>& out) {
  // A sticky directory (/tmp) only lets owners rename or delete their own entries.
  const bool is_sticky = (d.mode & S_ISVTX) != 0;
  if ((d.mode & (S_IWGRP | S_IWOTH)) != 0 && !is_sticky)
    out.push_back({d.path,
                   "directory writable by " + who_can(d.mode, S_IWGRP, S_IWOTH) + " (mode " + octal_mode(d.mode) +
                       "): the key can be replaced",
                   "chmod go-w " + d.path});
  if (!is_owner_ok(d.uid, user))
    out.push_back({d.path, "directory owned by uid " + std::to_string(d.uid) + ", who can replace the key",
                   "chown root " + d.path});
}

std::optional<std::string> user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) return std::string(found->pw_name);
  return std::nullopt;
}

// Users other than the key user and root whose primary group is `gid` or who are listed
// in it (opendkim's check, dkimf_checkfsnode()).
GroupStat group_of(gid_t gid, const KeyUser& user) {
  GroupStat g;
  g.name = std::to_string(gid);
  auto add = [&](std::string name) {
    if (name == user.name || name == "root") return;
    if (std::find(g.others.begin(), g.others.end(), name) == g.others.end()) g.others.push_back(std::move(name));
  };
  struct group gr {};
  struct group* found = nullptr;
  std::vector<char> buf(1u << 16);
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    g.name = found->gr_name;
    for (char** m = found->gr_mem; *m != nullptr; ++m) add(*m);
  }
  ::setpwent();
  while (const struct passwd* pw = ::getpwent())
    if (pw->pw_gid == gid && pw->pw_uid != user.uid && pw->pw_uid != 0) add(pw->pw_name);
  ::endpwent();
  return g;
}

Result<PathStat> stat_path(const std::string& path, int fd) {
  struct stat st {};
  const int rc = fd >= 0 ? ::fstat(fd, &st) : ::stat(path.c_str(), &st);
  if (rc != 0) {
    const int err = errno;
    return fail(Errc::config, "cannot examine " + path + ": " + std::strerror(err));
  }
  return PathStat{path, st.st_mode, st.st_uid, st.st_gid};
}

}  // namespace

std::string open_fix(const std::string& path, int err, const KeyUser& user) {
  if (err == ENOENT)
    return "correct the path, or create the key: cachetctl keygen -D " +
           std::filesystem::path(path).parent_path().string() + " -s SELECTOR -d DOMAIN --user " + user.name;
  if (err == EACCES)
    return "let " + user.name + " read it: chown root:" + user.name + " " + path + " && chmod 0640 " + path +
           " (and chmod 0750 on its directory)";
  return "check the path";
}

std::vector<KeyFileProblem> judge_key_path(const PathStat& file, const GroupStat& group,
                                           const std::vector<PathStat>& dirs, const KeyUser& user) {
  std::vector<KeyFileProblem> out;
  judge_file(file, group, user, out);
  for (const PathStat& d : dirs) judge_dir(d, user, out);
  return out;
}

KeyUser key_user(std::optional<uid_t> uid) {
  const uid_t u = uid.value_or(::geteuid());
  return KeyUser{u, user_name(u).value_or(std::to_string(u))};
}

Result<KeyUser> key_user_named(std::string_view user_id) {
  const std::string name(user_id.substr(0, user_id.find(':')));
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwnam_r(name.c_str(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr)
    return KeyUser{found->pw_uid, found->pw_name};
  if (const auto n = parse_uint(name); n && *n <= 0xffffffffu) return key_user(static_cast<uid_t>(*n));
  return fail(Errc::config, "no such user: " + name);
}

Result<KeyUser> tool_key_user(std::string_view user_id) {
  if (!user_id.empty()) return key_user_named(user_id);
  if (::geteuid() == 0)
    if (auto packaged = key_user_named(kPackagedDaemonUser)) return packaged;
  return key_user();
}

Result<std::vector<KeyFileProblem>> inspect_key_path(const std::string& path, const KeyUser& user, int fd) {
  auto file = stat_path(path, fd);
  if (!file) return fail(file.error().code, file.error().detail);
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return fail(Errc::config, "cannot examine " + path + ": " + ec.message());
  abs = abs.lexically_normal();
  std::vector<PathStat> dirs;
  for (std::filesystem::path dir = abs.parent_path();; dir = dir.parent_path()) {
    auto d = stat_path(dir.string(), -1);
    if (!d) return fail(d.error().code, d.error().detail);
    dirs.push_back(std::move(*d));
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
  }
  // The member walk only matters when the group may read.
  const GroupStat group = (file->mode & S_IRGRP) != 0 ? group_of(file->gid, user) : GroupStat{};
  return judge_key_path(*file, group, dirs, user);
}

Result<KeyFile> read_key_file(const std::string& path, const KeyUser& user) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    const int err = errno;
    return fail(Errc::config,
                "cannot open " + path + ": " + std::strerror(err) + "; fix: " + open_fix(path, err, user));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return fail(Errc::config, path + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > crypto::kMaxKeyTextBytes)
    return fail(Errc::config, path + ": too large for a key file");
  auto problems = inspect_key_path(path, user, fd.get());
  if (!problems) return fail(problems.error().code, problems.error().detail);
  std::string buf(crypto::kMaxKeyTextBytes + 1, '\0');
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      explicit_bzero(buf.data(), buf.size());
      return fail(Errc::config, "cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > crypto::kMaxKeyTextBytes) {
    explicit_bzero(buf.data(), buf.size());
    return fail(Errc::config, path + ": too large for a key file");
  }
  KeyFile out{crypto::SecretBytes(std::string_view(buf.data(), got)), std::move(*problems)};
  explicit_bzero(buf.data(), buf.size());  // the scratch copy holds key material
  return out;
}

Result<crypto::PrivateKey> load_private_key(const std::string& path, const KeyUser& user, bool require_safe) {
  auto file = read_key_file(path, user);
  if (!file) return fail(file.error().code, file.error().detail);
  if (require_safe && !file->problems.empty())
    return fail(Errc::config, "unsafe key file (RequireSafeKeys): " + describe(file->problems.front()));
  auto key = crypto::PrivateKey::load(file->text);
  if (!key) return fail(Errc::config, path + ": holds no usable private key");
  return std::move(*key);
}

std::string describe(const KeyFileProblem& p) { return p.path + ": " + p.what + "; fix: " + p.fix; }

}  // namespace cachet::dkim
