// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/pcre_table.hpp: Postfix pcre_table(5) (3.7 semantics, verified against
// `postmap -q` of Postfix 3.7.11 with PCRE2; vectors in testdata/postfix-pcre).
//  * `/regex/flags result`, any non-alphanumeric, non-space delimiter; a backslash
//    escapes the delimiter (the backslash stays in the regex);
//  * `!/re/` negation (leading '!'s and spaces, each '!' toggles); no $n in its result;
//  * `if /re/` / `if !/re/` ... `endif`, nested, case-insensitive keywords;
//  * flags toggle the defaults: i (default ON: caseless), s (ON: dotall), m, x, A
//    (anchored), E (dollar-end-only), U (ungreedy); X is obsolete (PCRE1 only) and is
//    ignored with a warning; any other flag letter skips the rule;
//  * result: $n, ${n}, $(n) with n >= 1 and n <= the pattern's capture count, `$$` for a
//    literal '$'; a group that did not participate expands to empty; `$0`, `$name`, `$`
//    alone/at end, unbalanced `${` skip the rule; no result text = empty result;
//  * the whole key is matched, first rule wins; no case folding of the key.
// Rules Postfix skips with a warning are skipped here too and listed in warnings()
// ("file:line: message"); LoadOptions::strict makes each of them a load error instead.
// Errors at load (Errc::config, "file:line: ..."): NUL byte, line too long, more than
// kMaxPcreRules rules, and (strict only) every skipped rule, unbalanced if/endif.
// Lookups: thread-safe; PCRE2 JIT when available; match, depth and heap limits set so a
// catastrophic pattern answers Errc::temporary, never "not found" or a match.
// Pure: no I/O, no logging. Only this part includes the PCRE2 headers.
// See also: table.hpp, tests/unit/common/tables/pcre_table_test.cpp
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/base/result.hpp"
#include "common/tables/table.hpp"

namespace cachet::tables {

// A table with more rules than this is refused (a sender-login map has a handful).
inline constexpr std::size_t kMaxPcreRules = 100000;
// if/endif nesting deeper than this is refused.
inline constexpr std::size_t kMaxPcreNesting = 100;
// PCRE2 limits per pcre2_match() call: backtracking steps, backtracking depth, heap KiB.
inline constexpr std::uint32_t kPcreMatchLimit = 1'000'000;
inline constexpr std::uint32_t kPcreDepthLimit = 10'000;
inline constexpr std::uint32_t kPcreHeapLimitKiB = 16 * 1024;
// Highest group number accepted in $n / ${n}.
inline constexpr std::size_t kMaxPcreGroup = 65535;

struct PcreOptions {
  bool strict = false;  // see LoadOptions::strict
  bool jit = true;      // use pcre2_jit_compile when the library supports it
};

// Parses and compiles a pcre table. file_name is used in messages and Match::source.
// Errors: see the header comment (all Errc::config).
[[nodiscard]] Result<std::unique_ptr<Table>> parse_pcre_table(std::string_view text, std::string_view file_name,
                                                              const PcreOptions& options = {});

// Parses the inside of an inline `pcre:{ {rule}, {rule} }` spec (without "pcre:"); rule
// k is reported as line k. Errors: those of parse_pcre_table, unbalanced braces.
[[nodiscard]] Result<std::unique_ptr<Table>> parse_inline_pcre_table(std::string_view braced,
                                                                     const PcreOptions& options = {});

}  // namespace cachet::tables
