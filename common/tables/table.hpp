// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/table.hpp: the Table interface for Postfix lookup tables (pcre:,
// texthash:, hash:/lmdb: read from their source text, inline:, static:).
// A Table is immutable after load: lookups are const and safe from any number of threads
// at once. A lookup answers found (value), not found (nullopt) or an error; a PCRE2
// match/depth/heap limit hit is Errc::temporary, never "not found" (Postfix would treat
// it as no match; we refuse to turn a resource limit into a decision).
// See also: pcre_table.hpp, fixed_table.hpp, table_spec.hpp (factory), table_list.hpp.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::tables {

// pattern: pcre (gets only full addresses, see table_list.hpp); fixed: exact keys.
enum class TableKind { pattern, fixed };

// Keys longer than this are refused with Errc::bad_input (they are peer data).
inline constexpr std::size_t kMaxKeyBytes = 4096;

// What matched, for the caller's log line.
struct Match {
  std::string value;   // the result (after $n substitution)
  std::string source;  // "<file>:<line>" of the rule/entry, or "<spec>" for static:
  std::string rule;    // the rule or entry text as written (logical line)
};

// Identity of a table file when it was read, to notice edits (reload).
struct FileStamp {
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// Options that change how a table source is read.
struct LoadOptions {
  // Postfix skips a bad rule/entry with a warning and loads the rest; strict turns every
  // such warning into a load error (Errc::config) instead.
  bool strict = false;
  // Fixed-string tables: fold keys to lower case at load and lookup (Postfix default;
  // `postmap -f` turns it off). Pattern tables never fold (pcre has its own `i` flag).
  bool fold_case = true;
};

class Table {
 public:
  virtual ~Table() = default;

  // Errors: Errc::temporary (PCRE2 resource limit, matching error), Errc::bad_input (key
  // longer than kMaxKeyBytes or holding a NUL byte).
  [[nodiscard]] virtual Result<std::optional<Match>> lookup_explained(std::string_view key) const = 0;
  // The same, value only.
  [[nodiscard]] Result<std::optional<std::string>> lookup(std::string_view key) const;

  virtual TableKind kind() const noexcept = 0;
  // "pcre:/etc/postfix/sendas.pcre", "texthash:/etc/postfix/x", "inline:{...}".
  const std::string& name() const noexcept { return name_; }
  // Load-time diagnostics ("file:line: message"), for the caller to log once.
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

  // The files this table was read from (empty for inline:/static:).
  const std::vector<FileStamp>& stamps() const noexcept { return stamps_; }
  void set_origin(std::string name, std::vector<FileStamp> stamps);
  // True when a file this table came from has a different inode, size or mtime now, or
  // cannot be stat'ed any more. Does I/O (stat).
  bool changed_on_disk() const;

 protected:
  Table(std::string name, std::vector<std::string> warnings) : name_(std::move(name)), warnings_(std::move(warnings)) {}

 private:
  std::string name_;
  std::vector<std::string> warnings_;
  std::vector<FileStamp> stamps_;
};

// Current identity of a file. Errors: Errc::config (stat failed: missing, permission).
[[nodiscard]] Result<FileStamp> stamp_file(const std::string& path);

// Checks a lookup key against kMaxKeyBytes and NUL (Errc::bad_input).
[[nodiscard]] Result<void> check_key(std::string_view key);

}  // namespace cachet::tables
