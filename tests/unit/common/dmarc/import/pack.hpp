// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dmarc/import/pack.hpp: test-side writers of gzip and zip bytes (with
// libarchive's writer), so the importer's tests build their hostile archives in memory.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <utility>
#include <vector>

namespace cachet::dmarc::import::testing {

// entries: (name, data); zip = false writes one gzip member of the first entry's data.
inline std::string pack(const std::vector<std::pair<std::string, std::string>>& entries, bool zip) {
  std::vector<char> buf(entries.empty() ? 4096 : 4096 + entries.front().second.size() * (entries.size() + 1));
  std::size_t used = 0;
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_add_filter_gzip(a);
    archive_write_set_format_raw(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  for (const auto& [name, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

inline std::string gzip(const std::string& data) { return pack({{"report.xml", data}}, false); }
inline std::string zip(const std::vector<std::pair<std::string, std::string>>& entries) { return pack(entries, true); }

}  // namespace cachet::dmarc::import::testing
