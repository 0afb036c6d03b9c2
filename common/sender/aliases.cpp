// SPDX-License-Identifier: BSD-2-Clause
// common/sender/aliases.cpp: aliases(5) source reading (aliases.hpp).
#include "common/sender/aliases.hpp"

#include "common/base/strings.hpp"
#include "common/postfix/main_cf.hpp"
#include "common/tables/lines.hpp"

namespace cachet::sender {

const AliasEntry* Aliases::find(std::string_view name) const {
  const auto it = entries_.find(to_lower(name));
  return it == entries_.end() ? nullptr : &it->second;
}

Result<Aliases> parse_aliases(std::string_view text, std::string_view file_name) {
  auto lines = tables::read_logical_lines(text, file_name);
  if (!lines) return Unexpected<Error>(std::move(lines).error());
  Aliases out;
  out.file_name_ = std::string(file_name);
  out.warnings_ = std::move(lines->warnings);
  for (const auto& l : lines->lines) {
    const std::string where = std::string(file_name) + ":" + std::to_string(l.line) + ": ";
    const std::string_view line = l.text;
    if (!line.empty() && line[0] == '"') {
      out.warnings_.push_back(where + "quoted alias names are not supported; entry skipped");
      continue;
    }
    const std::size_t colon = line.find(':');
    const std::string_view name = trim(line.substr(0, colon));
    if (colon == std::string_view::npos || name.empty()) {
      out.warnings_.push_back(where + "expected \"name: value, ...\"; entry skipped");
      continue;
    }
    if (out.entries_.size() >= kMaxAliases)
      return fail(Errc::config, where + "more than " + std::to_string(kMaxAliases) + " aliases");
    AliasEntry entry;
    entry.line = l.line;
    for (std::string& m : postfix::split_list(line.substr(colon + 1), true)) {
      const char c = m[0];
      if (c == '|' || c == '/' || c == '"' || c == ':') continue;  // commands, files, includes
      entry.members.push_back(std::move(m));
    }
    const auto [it, inserted] = out.entries_.try_emplace(to_lower(name), std::move(entry));
    if (!inserted) out.warnings_.push_back(where + "duplicate alias " + std::string(name) + "; first entry kept");
  }
  return out;
}

}  // namespace cachet::sender
