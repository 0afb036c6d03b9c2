// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/key_file.cpp: see key_file.hpp.
#include "milters/dkim/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/base/fd.hpp"

namespace cachet::dkimd {
namespace {

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

bool owner_ok(uid_t owner, const KeyFileCheck& c) {
  const uid_t me = c.run_as_uid.value_or(::geteuid());
  return owner == 0 || owner == me;
}

std::string owner_fix(const KeyFileCheck& c) {
  return c.run_as_uid ? "chown root (or the UserID user)" : "chown root (or the daemon's user)";
}

Result<void> check_file(const std::string& path, const struct stat& st, const KeyFileCheck& c) {
  if (!S_ISREG(st.st_mode)) return fail(Errc::config, "key file " + path + " is not a regular file");
  if (!c.require_safe) return {};
  if ((st.st_mode & (S_IRWXO | S_IWGRP)) != 0)
    return fail(Errc::config, "key file " + path + " (mode " + octal(st.st_mode) +
                                  ") can be read or written by other users; fix: chmod 600 " +
                                  path + " (or chmod 640 with a private group)");
  if (!owner_ok(st.st_uid, c))
    return fail(Errc::config, "key file " + path + " is owned by uid " +
                                  std::to_string(st.st_uid) + "; fix: " + owner_fix(c) + " " + path);
  return {};
}

Result<void> check_parents(const std::string& path, const KeyFileCheck& c) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  if (ec) return fail(Errc::config, "key file " + path + ": " + ec.message());
  for (p = p.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st{};
    if (::stat(p.c_str(), &st) != 0)
      return fail(Errc::config, "key directory " + p.string() + ": " + std::strerror(errno));
    if ((st.st_mode & (S_IWOTH | S_IWGRP)) != 0)
      return fail(Errc::config, "key file " + path + ": directory " + p.string() + " (mode " +
                                    octal(st.st_mode) + ") can be written by other users; fix: chmod go-w " +
                                    p.string() + " (or move the key to a private directory)");
    if (!owner_ok(st.st_uid, c))
      return fail(Errc::config, "key file " + path + ": directory " + p.string() +
                                    " is owned by uid " + std::to_string(st.st_uid) + "; fix: " +
                                    owner_fix(c) + " " + p.string());
    if (p == p.root_path()) break;
  }
  return {};
}

}  // namespace

Result<crypto::PrivateKey> load_key_file(const std::string& path, const KeyFileCheck& check) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid())
    return fail(Errc::config, "cannot open key file " + path + ": " + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0)
    return fail(Errc::config, "cannot stat key file " + path + ": " + std::strerror(errno));
  if (auto r = check_file(path, st, check); !r) return Unexpected<Error>(r.error());
  if (check.require_safe)
    if (auto r = check_parents(path, check); !r) return Unexpected<Error>(r.error());
  if (st.st_size <= 0 || static_cast<std::size_t>(st.st_size) > crypto::kMaxKeyTextBytes)
    return fail(Errc::config, "key file " + path + " is empty or too large");
  std::string buf(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf.resize(got);
  crypto::SecretBytes secret(buf);
  std::fill(buf.begin(), buf.end(), '\0');
  auto key = crypto::PrivateKey::load(secret);
  if (!key) return fail(Errc::config, "key file " + path + " holds no usable private key");
  return std::move(*key);
}

}  // namespace cachet::dkimd
