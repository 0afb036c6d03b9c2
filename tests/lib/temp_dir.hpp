// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/temp_dir.hpp: a private temporary directory for one test, removed with
// everything in it when the object goes. Header-only, for unit and integration tests.
// write() replaces a file through rename, so each write is a new inode as editors and
// config-management tools produce (what change detection must notice).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cachet::testlib {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "cachet") {
    std::string tmpl = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const noexcept { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes `text` to `name` inside the directory; returns the full path.
  std::string write(std::string_view name, std::string_view text) const {
    const std::string target = file(name);
    const std::string tmp = target + ".tmp";
    std::ofstream(tmp, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
    std::filesystem::rename(tmp, target);
    return target;
  }

 private:
  std::string path_;
};

}  // namespace cachet::testlib
