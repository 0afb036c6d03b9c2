// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_file.cpp: key file reading and the RequireSafeKeys judgement
// (key_file.hpp).
#include "common/dkim/key_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/base/fd.hpp"

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

void judge_file(const PathStat& f, uid_t reader, const std::string& reader_name,
                std::vector<KeyFileProblem>& out) {
  if (!S_ISREG(f.mode)) {
    out.push_back({f.path, "not a regular file", "use a plain file for the key"});
    return;
  }
  if ((f.mode & (S_IRWXG | S_IRWXO)) != 0) {
    std::string what;
    if ((f.mode & (S_IRGRP | S_IROTH)) != 0)
      what = "readable by " + who_can(f.mode, S_IRGRP, S_IROTH);
    if ((f.mode & (S_IWGRP | S_IWOTH)) != 0)
      what += std::string(what.empty() ? "" : ", ") + "writable by " +
              who_can(f.mode, S_IWGRP, S_IWOTH);
    if (what.empty()) what = "has group or other permission bits";
    out.push_back({f.path, what + " (mode " + octal_mode(f.mode) + ")", "chmod 0600 " + f.path});
  }
  // root (an admin checking the daemon's key) may read a key owned by the daemon user.
  if (reader != 0 && f.uid != reader && f.uid != 0)
    out.push_back({f.path, "owned by uid " + std::to_string(f.uid) + ", not by " + reader_name +
                               " or root",
                   "chown " + reader_name + " " + f.path});
}

void judge_dir(const PathStat& d, const PathStat& file, uid_t reader,
               std::vector<KeyFileProblem>& out) {
  // A sticky directory (/tmp) only lets owners rename or delete their own entries.
  const bool is_sticky = (d.mode & S_ISVTX) != 0;
  if ((d.mode & (S_IWGRP | S_IWOTH)) != 0 && !is_sticky)
    out.push_back({d.path,
                   "directory writable by " + who_can(d.mode, S_IWGRP, S_IWOTH) + " (mode " +
                       octal_mode(d.mode) + "): the key can be replaced",
                   "chmod go-w " + d.path});
  if (d.uid != 0 && d.uid != reader && d.uid != file.uid)
    out.push_back({d.path,
                   "directory owned by uid " + std::to_string(d.uid) +
                       ", who can replace the key",
                   "chown root " + d.path});
}

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr)
    return found->pw_name;
  return std::to_string(uid);
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

std::vector<KeyFileProblem> judge_key_path(const PathStat& file, const std::vector<PathStat>& dirs,
                                           uid_t reader, const std::string& reader_name) {
  std::vector<KeyFileProblem> out;
  judge_file(file, reader, reader_name, out);
  for (const PathStat& d : dirs) judge_dir(d, file, reader, out);
  return out;
}

Result<std::vector<KeyFileProblem>> inspect_key_path(const std::string& path, int fd) {
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
  const uid_t reader = ::geteuid();
  return judge_key_path(*file, dirs, reader, user_name(reader));
}

Result<KeyFile> read_key_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    const int err = errno;
    return fail(Errc::config, "cannot open " + path + ": " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(Errc::config, path + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > crypto::kMaxKeyTextBytes)
    return fail(Errc::config, path + ": too large for a key file");
  auto problems = inspect_key_path(path, fd.get());
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

std::string describe(const KeyFileProblem& p) {
  return p.path + ": " + p.what + "; fix: " + p.fix;
}

}  // namespace cachet::dkim
