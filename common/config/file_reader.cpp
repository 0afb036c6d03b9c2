// SPDX-License-Identifier: BSD-2-Clause
// common/config/file_reader.cpp: see file_reader.hpp.
#include "common/config/file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/fd.hpp"

namespace cachet::config {

Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail(Errc::config, "cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(Errc::config, "cannot read " + path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail(Errc::config, "cannot read " + path + ": is a directory");
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::config, "cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes)
      return fail(Errc::config, path + ": larger than " + std::to_string(max_bytes) + " bytes");
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace cachet::config
