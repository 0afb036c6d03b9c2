// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/file_reader.hpp: reads a whole configuration or data file into memory,
// refusing files larger than a limit. The only I/O in common/config. Errors are
// Errc::config ("cannot read PATH: No such file or directory", "PATH: larger than N bytes"),
// because a missing or unreadable config file is the operator's to fix. Any thread.
#pragma once

#include <cstddef>
#include <string>

#include "common/base/result.hpp"

namespace cachet::config {

[[nodiscard]] Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes);

}  // namespace cachet::config
