// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/table_spec.hpp: "type:name" table specs and the factory that opens
// them. Parsing specs is pure; file reading is a caller-supplied FileReader so tests and
// fuzzers inject text (read_table_file is the real one).
// Types: pcre:/path, pcre:{ {rule}, ... }, texthash:/path, hash:/path and lmdb:/path
// (read from the source text file at /path, not /path.db: the daemon need not share
// Postfix's database format), inline:{...}, static:value.
// Errors (Errc::config): unknown type, missing ':', empty name, relative path, and those
// of the parsers and the reader. Thread-safe (no shared state).
// See also: table.hpp, table_list.hpp
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/tables/table.hpp"

namespace cachet::tables {

// A table file larger than this is refused by read_table_file.
inline constexpr std::size_t kMaxTableFileBytes = 256 * 1024 * 1024;

struct TableSpec {
  std::string type;  // "pcre", "texthash", "hash", "lmdb", "inline", "static"
  std::string arg;   // "/etc/postfix/x" or "{...}" or the static value
  std::string text() const { return type + ":" + arg; }
};

// Errors: no ':', empty or unknown type, empty name (except static:{}), relative path
// for a file type.
[[nodiscard]] Result<TableSpec> parse_table_spec(std::string_view spec);
// "pcre:/a, texthash:/b inline:{ a=b }": comma/whitespace separated, braces grouped.
// Errors: those of parse_table_spec, unbalanced braces.
[[nodiscard]] Result<std::vector<TableSpec>> parse_table_list(std::string_view list);

struct FileContent {
  std::string bytes;
  FileStamp stamp;
};
using FileReader = std::function<Result<FileContent>(const std::string& path)>;

// Reads a table file. Errors (Errc::config): cannot open/read, not a regular file,
// larger than kMaxTableFileBytes. The stamp is taken from the opened descriptor.
[[nodiscard]] Result<FileContent> read_table_file(const std::string& path);

// Opens one table. The returned table remembers the file stamps (changed_on_disk()).
[[nodiscard]] Result<std::shared_ptr<const Table>> open_table(const TableSpec& spec, const FileReader& reader,
                                                              const LoadOptions& options = {});

}  // namespace cachet::tables
