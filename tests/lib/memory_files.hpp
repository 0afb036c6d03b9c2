// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/memory_files.hpp: a tables::FileReader over an in-memory map of path ->
// content, for the loaders (login maps, main.cf, aliases) in unit tests and benchmarks.
// A missing path is Errc::config "cannot open PATH: No such file", as the real reader
// words it. Header-only; the reader owns its copy of the map.
#pragma once

#include <map>
#include <string>

#include "common/tables/table_spec.hpp"

namespace cachet::testlib {

inline tables::FileReader memory_files(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> Result<tables::FileContent> {
    const auto it = files.find(path);
    if (it == files.end()) return fail(Errc::config, "cannot open " + path + ": No such file");
    tables::FileContent c;
    c.bytes = it->second;
    c.stamp.path = path;
    return c;
  };
}

}  // namespace cachet::testlib
