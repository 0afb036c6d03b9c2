// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/lines.cpp: logical lines and brace lists for table sources (lines.hpp).
#include "common/tables/lines.hpp"

#include <string>

namespace cachet::tables {
namespace {

std::string where(std::string_view file_name, std::size_t line) {
  return std::string(file_name) + ":" + std::to_string(line);
}

bool is_skipped_line(std::string_view line) {
  for (char c : line) {
    if (c == '#') return true;
    if (!is_table_space(c)) return false;
  }
  return true;  // blank or whitespace-only
}

void trim_trailing_space(std::string& s) {
  while (!s.empty() && is_table_space(s.back())) s.pop_back();
}

}  // namespace

Result<LogicalLines> read_logical_lines(std::string_view text, std::string_view file_name) {
  LogicalLines out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  bool have_current = false;
  auto finish_current = [&] {
    if (!have_current) return;
    trim_trailing_space(out.lines.back().text);
    if (out.lines.back().text.empty()) out.lines.pop_back();
    have_current = false;
  };
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\0') != std::string_view::npos)
      return fail(Errc::config, where(file_name, line_no) + ": NUL byte in table file");
    if (line.size() > kMaxLineBytes)
      return fail(Errc::config,
                  where(file_name, line_no) + ": line longer than " + std::to_string(kMaxLineBytes) + " bytes");
    if (is_skipped_line(line)) continue;
    if (is_table_space(line.front())) {
      if (!have_current) {
        out.warnings.push_back(where(file_name, line_no) + ": logical line must not start with whitespace: ignored");
        continue;
      }
      std::string& cur = out.lines.back().text;
      if (cur.size() + line.size() > kMaxLogicalLineBytes)
        return fail(Errc::config, where(file_name, out.lines.back().line) + ": logical line longer than " +
                                      std::to_string(kMaxLogicalLineBytes) + " bytes");
      cur.append(line);
      continue;
    }
    finish_current();
    out.lines.push_back(LogicalLine{line_no, std::string(line)});
    have_current = true;
  }
  finish_current();
  return out;
}

Result<std::vector<std::string_view>> split_brace_list(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_table_space(s[i]) || s[i] == ',') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    int depth = 0;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '{') {
        ++depth;
      } else if (c == '}') {
        if (depth == 0) return fail(Errc::config, "unbalanced '}' in \"" + std::string(s) + "\"");
        --depth;
      } else if (depth == 0 && (is_table_space(c) || c == ',')) {
        break;
      }
    }
    if (depth != 0) return fail(Errc::config, "missing '}' in \"" + std::string(s) + "\"");
    if (out.size() == kMaxInlineElements)
      return fail(Errc::config, "more than " + std::to_string(kMaxInlineElements) + " elements in a brace list");
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

Result<std::string_view> strip_braces(std::string_view element) {
  if (element.empty() || element.front() != '{') return element;
  int depth = 0;
  for (std::size_t i = 0; i < element.size(); ++i) {
    if (element[i] == '{') ++depth;
    if (element[i] == '}' && --depth == 0) {
      if (i + 1 != element.size()) return fail(Errc::config, "text after '}' in \"" + std::string(element) + "\"");
      std::string_view inner = element.substr(1, i - 1);
      while (!inner.empty() && is_table_space(inner.front())) inner.remove_prefix(1);
      while (!inner.empty() && is_table_space(inner.back())) inner.remove_suffix(1);
      return inner;
    }
  }
  return fail(Errc::config, "missing '}' in \"" + std::string(element) + "\"");
}

}  // namespace cachet::tables
