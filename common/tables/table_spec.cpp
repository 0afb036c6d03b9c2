// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/table_spec.cpp: spec parsing, the table factory and the file reader
// (table_spec.hpp).
#include "common/tables/table_spec.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/fd.hpp"
#include "common/tables/fixed_table.hpp"
#include "common/tables/lines.hpp"
#include "common/tables/pcre_table.hpp"

namespace cachet::tables {
namespace {

bool is_file_type(std::string_view t) { return t == "pcre" || t == "texthash" || t == "hash" || t == "lmdb"; }

Result<FileContent> read_all(const std::string& path, int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    return fail(Errc::config, path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) return fail(Errc::config, path + ": not a regular file");
  if (static_cast<std::size_t>(st.st_size) > kMaxTableFileBytes)
    return fail(Errc::config, path + ": larger than " + std::to_string(kMaxTableFileBytes) + " bytes");
  FileContent out;
  out.stamp.path = path;
  out.stamp.device = st.st_dev;
  out.stamp.inode = st.st_ino;
  out.stamp.size = st.st_size;
  out.stamp.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      return fail(Errc::config, path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    if (out.bytes.size() + static_cast<std::size_t>(n) > kMaxTableFileBytes)
      return fail(Errc::config, path + ": larger than " + std::to_string(kMaxTableFileBytes) + " bytes");
    out.bytes.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

Result<TableSpec> parse_table_spec(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return fail(Errc::config, "table \"" + std::string(spec) + "\": expecting \"type:name\" form");
  TableSpec out{std::string(spec.substr(0, colon)), std::string(spec.substr(colon + 1))};
  const bool known = is_file_type(out.type) || out.type == "inline" || out.type == "static";
  if (!known)
    return fail(Errc::config, "table \"" + std::string(spec) + "\": unsupported table type \"" + out.type + "\"");
  if (out.arg.empty()) return fail(Errc::config, "table \"" + std::string(spec) + "\": expecting \"type:name\" form");
  if (is_file_type(out.type) && out.arg.front() != '/' && !(out.type == "pcre" && out.arg.front() == '{'))
    return fail(Errc::config, "table \"" + std::string(spec) + "\": path must be absolute");
  return out;
}

Result<std::vector<TableSpec>> parse_table_list(std::string_view list) {
  auto elements = split_brace_list(list);
  if (!elements) return Unexpected<Error>(std::move(elements).error());
  std::vector<TableSpec> out;
  for (std::string_view e : *elements) {
    auto spec = parse_table_spec(e);
    if (!spec) return Unexpected<Error>(std::move(spec).error());
    out.push_back(std::move(*spec));
  }
  return out;
}

Result<FileContent> read_table_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    const int err = errno;
    return fail(Errc::config, path + ": " + std::strerror(err));
  }
  return read_all(path, fd.get());
}

Result<std::shared_ptr<const Table>> open_table(const TableSpec& spec, const FileReader& reader,
                                                const LoadOptions& options) {
  Result<std::unique_ptr<Table>> table = fail(Errc::internal, "unreachable");
  std::vector<FileStamp> stamps;
  if (spec.type == "inline") {
    table = parse_inline_table(spec.arg, options);
  } else if (spec.type == "static") {
    table = make_static_table(spec.arg);
  } else if (spec.type == "pcre" && spec.arg.front() == '{') {
    table = parse_inline_pcre_table(spec.arg, PcreOptions{options.strict, true});
  } else {
    auto content = reader(spec.arg);
    if (!content) return Unexpected<Error>(std::move(content).error());
    stamps.push_back(content->stamp);
    if (spec.type == "pcre")
      table = parse_pcre_table(content->bytes, spec.arg, PcreOptions{options.strict, true});
    else
      table = parse_text_table(content->bytes, spec.arg, spec.text(), options);
  }
  if (!table) return Unexpected<Error>(std::move(table).error());
  (*table)->set_origin(spec.text(), std::move(stamps));
  return std::shared_ptr<const Table>(std::move(*table));
}

}  // namespace cachet::tables
