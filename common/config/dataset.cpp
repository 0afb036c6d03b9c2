// SPDX-License-Identifier: BSD-2-Clause
// common/config/dataset.cpp: opendkim data sets; see dataset.hpp.
#include "common/config/dataset.hpp"

#include "common/base/strings.hpp"
#include "common/config/file_reader.hpp"
#include "common/config/lines.hpp"

namespace cachet::config {
namespace {

constexpr std::string_view kUnsupported[] = {
    "db:", "dsn:", "ldap:", "ldaps:", "ldapi:", "lua:", "memcache:", "mdb:", "erlang:", "sql:"};

std::vector<std::string> split_items(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view item : split(list, ',')) {
    item = trim(item);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

}  // namespace

Result<DatasetSpec> parse_dataset_spec(std::string_view text) {
  text = trim(text);
  if (text.empty()) return fail(Errc::config, "empty data set");
  for (std::string_view prefix : kUnsupported)
    if (istarts_with(text, prefix))
      return fail(Errc::config, "data set type '" + std::string(prefix) + "' is not supported");
  DatasetSpec s;
  auto with_path = [&](DatasetSpec::Type t, std::string_view path) -> Result<DatasetSpec> {
    if (path.empty()) return fail(Errc::config, "data set '" + std::string(text) + "' has no path");
    s.type = t;
    s.path = std::string(path);
    return s;
  };
  if (istarts_with(text, "csl:")) {
    s.items = split_items(text.substr(4));
    return s;
  }
  if (istarts_with(text, "file:")) return with_path(DatasetSpec::Type::file, text.substr(5));
  if (istarts_with(text, "refile:")) return with_path(DatasetSpec::Type::refile, text.substr(7));
  if (text.front() == '/') {
    // opendkim opens a bare path ending in .db as a Berkeley DB.
    if (text.size() > 3 && iequals(text.substr(text.size() - 3), ".db"))
      return fail(Errc::config, "data set type 'db:' (" + std::string(text) + ") is not supported");
    return with_path(DatasetSpec::Type::file, text);
  }
  s.items = split_items(text);
  return s;
}

Dataset::Dataset(std::vector<DatasetEntry> entries, bool is_pattern_set, std::string origin)
    : entries_(std::move(entries)), is_pattern_set_(is_pattern_set), origin_(std::move(origin)) {}

const DatasetEntry* Dataset::find(std::string_view key) const {
  for (const DatasetEntry& e : entries_) {
    const bool hit = is_pattern_set_ ? glob_match(e.key, key) : iequals(e.key, key);
    if (hit) return &e;
  }
  return nullptr;
}

bool Dataset::contains(std::string_view key) const { return find(key) != nullptr; }

std::optional<std::vector<std::string>> Dataset::lookup(std::string_view key) const {
  const DatasetEntry* e = find(key);
  if (e == nullptr) return std::nullopt;
  std::vector<std::string> fields;
  if (e->value.empty()) return fields;
  for (std::string_view f : split(e->value, ':')) fields.emplace_back(f);
  return fields;
}

Result<Dataset> parse_dataset_text(std::string_view text, std::string_view file_name, bool is_pattern_set) {
  const std::string where(file_name);
  if (text.size() > kMaxDatasetBytes)
    return fail(Errc::config, where + ": larger than " + std::to_string(kMaxDatasetBytes) + " bytes");
  std::vector<DatasetEntry> entries;
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t line_no = lines.line_no();
    const std::string at = where + ":" + std::to_string(line_no);
    if (line.size() > kMaxDatasetLineBytes) return fail(Errc::config, at + ": line too long");
    if (line.find('\0') != std::string_view::npos) return fail(Errc::config, at + ": NUL byte");
    line = strip_comment(line);
    if (line.empty()) continue;
    if (entries.size() >= kMaxDatasetEntries)
      return fail(Errc::config, at + ": more than " + std::to_string(kMaxDatasetEntries) + " entries");
    const auto blank = line.find_first_of(" \t");
    DatasetEntry e;
    e.line = line_no;
    e.key = std::string(line.substr(0, blank));
    if (blank != std::string_view::npos) e.value = std::string(trim(line.substr(blank)));
    entries.push_back(std::move(e));
  }
  return Dataset(std::move(entries), is_pattern_set, (is_pattern_set ? "refile:" : "file:") + where);
}

Dataset dataset_from_items(const std::vector<std::string>& items) {
  std::vector<DatasetEntry> entries;
  entries.reserve(items.size());
  for (const std::string& item : items) {
    DatasetEntry e;
    const auto eq = item.find('=');
    e.key = item.substr(0, eq);
    if (eq != std::string::npos) e.value = item.substr(eq + 1);
    entries.push_back(std::move(e));
  }
  return Dataset(std::move(entries), false, "csl");
}

Result<Dataset> load_dataset(std::string_view spec_text) {
  auto spec = parse_dataset_spec(spec_text);
  if (!spec) return fail(spec.error().code, spec.error().detail);
  if (spec->type == DatasetSpec::Type::inline_list) return dataset_from_items(spec->items);
  auto text = read_text_file(spec->path, kMaxDatasetBytes);
  if (!text) return fail(text.error().code, text.error().detail);
  return parse_dataset_text(*text, spec->path, spec->type == DatasetSpec::Type::refile);
}

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  // Classic two-pointer wildcard match: on mismatch, retry from the last '*' one byte later.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && ascii_lower(pattern[p]) == ascii_lower(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace cachet::config
