// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/fixed_table.cpp: texthash/hash/lmdb source, inline: and static: tables
// (fixed_table.hpp).
#include "common/tables/fixed_table.hpp"

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/strings.hpp"
#include "common/tables/lines.hpp"

namespace cachet::tables {
namespace {

struct Entry {
  std::string value;
  std::size_t line = 0;
  std::string text;
};

class FixedTable final : public Table {
 public:
  FixedTable(std::string name, std::string source_file, std::vector<std::string> warnings,
             std::unordered_map<std::string, Entry> entries, bool fold)
      : Table(std::move(name), std::move(warnings)),
        source_file_(std::move(source_file)),
        entries_(std::move(entries)),
        fold_(fold) {}

  TableKind kind() const noexcept override { return TableKind::fixed; }

  Result<std::optional<Match>> lookup_explained(std::string_view key) const override {
    if (auto ok = check_key(key); !ok) return Unexpected<Error>(ok.error());
    const auto it = fold_ ? entries_.find(to_lower(key)) : entries_.find(std::string(key));
    if (it == entries_.end()) return std::optional<Match>{};
    const Entry& e = it->second;
    return std::optional<Match>(Match{e.value, source_file_ + ":" + std::to_string(e.line), e.text});
  }

 private:
  std::string source_file_;
  std::unordered_map<std::string, Entry> entries_;
  bool fold_;
};

class StaticTable final : public Table {
 public:
  StaticTable(std::string name, std::string value) : Table(std::move(name), {}), value_(std::move(value)) {}
  TableKind kind() const noexcept override { return TableKind::fixed; }
  Result<std::optional<Match>> lookup_explained(std::string_view key) const override {
    if (auto ok = check_key(key); !ok) return Unexpected<Error>(ok.error());
    return std::optional<Match>(Match{value_, name(), name()});
  }

 private:
  std::string value_;
};

// Collects entries with Postfix's duplicate and format rules.
class EntryBuilder {
 public:
  EntryBuilder(std::string_view file, const LoadOptions& options) : file_(file), options_(options) {}

  Result<void> warn(std::size_t line, const std::string& message) {
    std::string w = std::string(file_) + ":" + std::to_string(line) + ": " + message;
    if (options_.strict) return fail(Errc::config, std::move(w));
    warnings_.push_back(std::move(w));
    return {};
  }

  Result<void> add(std::string_view key, std::string_view value, std::size_t line, std::string_view text) {
    std::string k = options_.fold_case ? to_lower(key) : std::string(key);
    if (entries_.count(k) != 0) return warn(line, "duplicate entry: \"" + std::string(key) + "\"");
    entries_.emplace(std::move(k), Entry{std::string(value), line, std::string(text)});
    return {};
  }

  std::vector<std::string> warnings_;
  std::unordered_map<std::string, Entry> entries_;

 private:
  std::string_view file_;
  LoadOptions options_;
};

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && is_table_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_table_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::unique_ptr<Table>> parse_text_table(std::string_view text, std::string_view file_name, std::string name,
                                                const LoadOptions& options) {
  auto lines = read_logical_lines(text, file_name);
  if (!lines) return Unexpected<Error>(std::move(lines).error());
  EntryBuilder b(file_name, options);
  if (options.strict && !lines->warnings.empty()) return fail(Errc::config, lines->warnings.front());
  b.warnings_ = std::move(lines->warnings);
  for (const LogicalLine& l : lines->lines) {
    std::string_view t = l.text;  // starts with non-space, no trailing space
    std::size_t sp = 0;
    while (sp < t.size() && !is_table_space(t[sp])) ++sp;
    const std::string_view value = trim_space(t.substr(sp));
    Result<void> r = value.empty() ? b.warn(l.line, "expected format: key whitespace value")
                                   : b.add(t.substr(0, sp), value, l.line, t);
    if (!r) return Unexpected<Error>(r.error());
  }
  return std::unique_ptr<Table>(std::make_unique<FixedTable>(
      std::move(name), std::string(file_name), std::move(b.warnings_), std::move(b.entries_), options.fold_case));
}

Result<std::unique_ptr<Table>> parse_inline_table(std::string_view braced, const LoadOptions& options) {
  const std::string name = "inline:" + std::string(braced);
  if (braced.empty() || braced.front() != '{') return fail(Errc::config, name + ": expected inline:{name=value...}");
  auto inner = strip_braces(braced);
  if (!inner) return Unexpected<Error>(std::move(inner).error());
  auto elements = split_brace_list(*inner);
  if (!elements) return Unexpected<Error>(std::move(elements).error());
  if (elements->empty()) return fail(Errc::config, name + ": empty table");
  EntryBuilder b(name, options);
  std::size_t index = 0;
  for (std::string_view e : *elements) {
    ++index;
    auto element = strip_braces(e);
    if (!element) return Unexpected<Error>(std::move(element).error());
    const std::size_t eq = element->find('=');
    const std::string_view key = eq == std::string_view::npos ? "" : trim_space(element->substr(0, eq));
    bool bad_key = key.empty();
    for (char c : key) bad_key = bad_key || is_table_space(c);
    if (bad_key) return fail(Errc::config, name + ": missing '=' after attribute name: \"" + std::string(e) + "\"");
    auto r = b.add(key, trim_space(element->substr(eq + 1)), index, *element);
    if (!r) return Unexpected<Error>(r.error());
  }
  return std::unique_ptr<Table>(
      std::make_unique<FixedTable>(name, name, std::move(b.warnings_), std::move(b.entries_), options.fold_case));
}

Result<std::unique_ptr<Table>> make_static_table(std::string_view arg) {
  const std::string name = "static:" + std::string(arg);
  if (arg.empty()) return fail(Errc::config, name + ": expecting \"type:name\" form");
  auto value = strip_braces(arg);
  if (!value) return Unexpected<Error>(std::move(value).error());
  return std::unique_ptr<Table>(std::make_unique<StaticTable>(name, std::string(*value)));
}

}  // namespace cachet::tables
