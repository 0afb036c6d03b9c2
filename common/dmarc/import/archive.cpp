// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/archive.cpp: see archive.hpp.
#include "common/dmarc/import/archive.hpp"

#include <archive.h>
#include <archive_entry.h>

#include "common/base/c_ptr.hpp"

namespace cachet::dmarc::import {
namespace {

using Archive = CPtr<archive, &archive_read_free>;

Unexpected<Error> archive_error(archive* a, std::string_view what) {
  const char* text = a ? archive_error_string(a) : nullptr;
  return fail(Errc::bad_input, std::string(what) + ": " + (text ? text : "unreadable"));
}

bool is_plain_file_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  // Without '/' and '\\' a name has one component, so ".." (above) is the only way up.
  return name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

Result<std::string> read_entry(archive* a, std::size_t max_bytes, std::string_view what) {
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    const la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n < 0) return archive_error(a, what);
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes)
      return fail(Errc::bad_input, std::string(what) + ": expands beyond " + std::to_string(max_bytes / (1024 * 1024)) +
                                       " MiB (refused as a decompression bomb)");
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (out.empty()) return fail(Errc::bad_input, std::string(what) + ": empty");
  return out;
}

Result<std::string> unpack(std::string_view bytes, Packing packing, std::size_t max_bytes) {
  const char* what = packing == Packing::zip ? "zip" : "gzip";
  Archive a(archive_read_new());
  if (!a) return fail(Errc::internal, "archive_read_new");
  if (packing == Packing::zip) {
    archive_read_support_format_zip(a.get());
  } else {
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_raw(a.get());
  }
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) return archive_error(a.get(), what);
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a.get(), &entry);
  if (rc == ARCHIVE_EOF) return fail(Errc::bad_input, std::string(what) + ": holds no file");
  if (rc < ARCHIVE_WARN) return archive_error(a.get(), what);
  if (packing == Packing::gzip && archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_GZIP)
    return fail(Errc::bad_input, "gzip: not gzip data");
  if (packing == Packing::zip) {
    const char* name = archive_entry_pathname(entry);
    if (archive_entry_filetype(entry) != AE_IFREG) return fail(Errc::bad_input, "zip: the entry is not a regular file");
    if (name == nullptr || !is_plain_file_name(name))
      return fail(Errc::bad_input,
                  std::string("zip: refused entry name '") + (name ? name : "") + "' (a path, not a plain file name)");
  }
  auto data = read_entry(a.get(), max_bytes, what);
  if (!data) return data;
  rc = archive_read_next_header(a.get(), &entry);
  if (rc != ARCHIVE_EOF) {
    if (packing == Packing::zip && rc >= ARCHIVE_WARN)
      return fail(Errc::bad_input, "zip: holds several files (a report zip holds one)");
    if (rc < ARCHIVE_WARN) return archive_error(a.get(), what);
  }
  return data;
}

}  // namespace

Packing detect_packing(std::string_view bytes) noexcept {
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b)
    return Packing::gzip;
  if (bytes.substr(0, 4) == std::string_view("PK\3\4", 4) || bytes.substr(0, 4) == std::string_view("PK\5\6", 4))
    return Packing::zip;
  return Packing::plain;
}

Result<std::string> unpack_report(std::string_view bytes, std::size_t max_bytes) {
  const Packing packing = detect_packing(bytes);
  if (packing != Packing::plain) return unpack(bytes, packing, max_bytes);
  if (bytes.size() > max_bytes)
    return fail(Errc::bad_input, "report larger than " + std::to_string(max_bytes / (1024 * 1024)) + " MiB");
  return std::string(bytes);
}

}  // namespace cachet::dmarc::import
