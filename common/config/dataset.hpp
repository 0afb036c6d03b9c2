// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/dataset.hpp: opendkim data sets (opendkim(8) "DATA SETS") as used by
// KeyTable, SigningTable, InternalHosts, PeerList, Domain, ... Supported forms:
//   csl:a,b=c          an inline comma-separated list; `x=y` items are key x, value y
//   file:/path  /path  a flat file: one entry a line, `key [value]`, `#` starts a comment
//   refile:/path       like file:, but keys are glob patterns (`*` matches any run of
//                      bytes); lookup returns the first pattern, in file order, that matches
//   a,b,c              anything else: an inline comma-separated list (as csl:)
// Other opendkim back ends (db:, dsn:, ldap:, lua:, memcache:, mdb:, erlang:, *.db) are
// rejected with Errc::config naming the type, because ignoring them would change policy.
//
// Keys compare case-insensitively (they are domains, addresses, key names and hosts).
// A value is split into fields at ':' (KeyTable `domain:selector:keypath`).
// parse_dataset_spec and parse_dataset_text are pure; load_dataset reads the file (I/O).
// A Dataset is immutable after construction: share it freely between threads.
// See also: tests/unit/common/config/dataset_test.cpp
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::config {

inline constexpr std::size_t kMaxDatasetBytes = 16u << 20;   // 16 MiB per file
inline constexpr std::size_t kMaxDatasetEntries = 1u << 20;  // ~1M entries
inline constexpr std::size_t kMaxDatasetLineBytes = 64u << 10;

struct DatasetSpec {
  enum class Type { inline_list, file, refile };
  Type type = Type::inline_list;
  std::string path;                // file, refile
  std::vector<std::string> items;  // inline_list, raw items (empty ones dropped)
};

struct DatasetEntry {
  std::string key;       // as written; pattern for refile
  std::string value;     // rest of the line, trimmed; may be empty
  std::size_t line = 0;  // 1-based; 0 for inline lists
};

// Errors (Errc::config): empty spec, unsupported type (message names it), empty path.
[[nodiscard]] Result<DatasetSpec> parse_dataset_spec(std::string_view text);

class Dataset {
 public:
  Dataset() = default;
  Dataset(std::vector<DatasetEntry> entries, bool is_pattern_set, std::string origin);

  // Exact (case-insensitive) key match, or for a refile set a glob match.
  bool contains(std::string_view key) const;
  // The value of the first matching entry split at ':' (empty vector if it has no value);
  // nullopt if nothing matches.
  std::optional<std::vector<std::string>> lookup(std::string_view key) const;
  // The first matching entry itself (for callers that need the raw value or its line).
  const DatasetEntry* find(std::string_view key) const;

  const std::vector<DatasetEntry>& entries() const noexcept { return entries_; }
  bool is_pattern_set() const noexcept { return is_pattern_set_; }
  bool empty() const noexcept { return entries_.empty(); }
  // "file:/etc/opendkim/KeyTable" or "csl" (for messages).
  const std::string& origin() const noexcept { return origin_; }

 private:
  std::vector<DatasetEntry> entries_;
  bool is_pattern_set_ = false;
  std::string origin_;
};

// Parses flat-file text. Errors name `file_name:line`: NUL byte, over-long line, too many
// entries, text over kMaxDatasetBytes.
[[nodiscard]] Result<Dataset> parse_dataset_text(std::string_view text, std::string_view file_name,
                                                 bool is_pattern_set);
// An inline list as a Dataset (pure).
Dataset dataset_from_items(const std::vector<std::string>& items);

// Parses the spec and, for file:/refile:/path, reads the file. I/O errors are
// Errc::config ("cannot read PATH: reason"), as the operator must fix them.
[[nodiscard]] Result<Dataset> load_dataset(std::string_view spec_text);

// `*` matches any run of bytes (including none); everything else literally, ASCII case-
// insensitively. Iterative, linear in practice (no exponential backtracking).
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace cachet::config
