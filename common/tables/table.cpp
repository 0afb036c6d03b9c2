// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/table.cpp: Table helpers shared by every table type (table.hpp).
#include "common/tables/table.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace cachet::tables {

Result<std::optional<std::string>> Table::lookup(std::string_view key) const {
  auto got = lookup_explained(key);
  if (!got) return Unexpected<Error>(std::move(got).error());
  if (!got->has_value()) return std::optional<std::string>{};
  return std::optional<std::string>(std::move((*got)->value));
}

void Table::set_origin(std::string name, std::vector<FileStamp> stamps) {
  name_ = std::move(name);
  stamps_ = std::move(stamps);
}

bool Table::changed_on_disk() const {
  for (const FileStamp& old : stamps_) {
    auto now = stamp_file(old.path);
    if (!now || !(*now == old)) return true;
  }
  return false;
}

Result<FileStamp> stamp_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return fail(Errc::config, path + ": " + std::strerror(err));
  }
  FileStamp s;
  s.path = path;
  s.device = st.st_dev;
  s.inode = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return s;
}

Result<void> check_key(std::string_view key) {
  if (key.size() > kMaxKeyBytes)
    return fail(Errc::bad_input, "lookup key longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  if (key.find('\0') != std::string_view::npos) return fail(Errc::bad_input, "lookup key holds a NUL byte");
  return {};
}

}  // namespace cachet::tables
