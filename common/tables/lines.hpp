// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/lines.hpp: the text layer shared by every Postfix table source format
// (pcre_table(5), postmap(1) input for hash/lmdb/texthash): logical lines with
// continuation, comments and blank lines, and the brace-list splitting used by inline
// specs (`inline:{ a=b, { c = d } }`, `pcre:{ {/re/ v}, ... }`).
// Pure functions: no I/O, no logging, no globals; any thread.
// Fails (Errc::config, "file:line: ...") on NUL bytes and on lines above the named limits.
// Postfix readllines() semantics reproduced (verified with postmap 3.7.11):
//  * a line whose first non-blank is '#', and a blank line, are skipped, also in the
//    middle of a continued logical line;
//  * a line starting with whitespace continues the previous logical line: the newline is
//    dropped, the leading whitespace kept;
//  * such a line with nothing to continue is ignored with a warning;
//  * trailing whitespace of the logical line is removed.
// Deviation: a CR before LF is dropped (Postfix would keep it inside a continued line).
// See also: pcre_table.hpp, fixed_table.hpp, tests/unit/common/tables/lines_test.cpp
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::tables {

// One physical line longer than this is refused (a table is operator-written text).
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;
// A logical line (after joining continuations) longer than this is refused.
inline constexpr std::size_t kMaxLogicalLineBytes = 256 * 1024;
// A brace list (inline table) holding more elements than this is refused.
inline constexpr std::size_t kMaxInlineElements = 10000;

struct LogicalLine {
  std::size_t line = 0;  // 1-based number of the first physical line
  std::string text;      // joined, trailing whitespace removed, never empty
};

struct LogicalLines {
  std::vector<LogicalLine> lines;
  std::vector<std::string> warnings;  // "file:line: message"
};

// Splits table source text into logical lines. Errors (Errc::config, with file:line):
// NUL byte, physical line above kMaxLineBytes, logical line above kMaxLogicalLineBytes.
[[nodiscard]] Result<LogicalLines> read_logical_lines(std::string_view text, std::string_view file_name);

// True for the characters Postfix's ISSPACE accepts (space, \t, \n, \v, \f, \r).
constexpr bool is_table_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Splits "a, b {c d}, e" on commas and whitespace outside braces (Postfix
// CHARS_COMMA_SP with "{}" grouping). Elements keep their braces. Errors (Errc::config):
// unbalanced braces, more than kMaxInlineElements elements.
[[nodiscard]] Result<std::vector<std::string_view>> split_brace_list(std::string_view s);

// "{ text }" -> "text" (braces and the whitespace inside them removed); anything else is
// returned unchanged. Errors (Errc::config): text after the closing brace.
[[nodiscard]] Result<std::string_view> strip_braces(std::string_view element);

}  // namespace cachet::tables
