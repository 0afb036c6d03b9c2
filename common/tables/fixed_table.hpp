// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/fixed_table.hpp: fixed-string Postfix tables, kept in a hash map built
// at load: texthash: (and hash:/lmdb:, which we read from their postmap(1) source text
// instead of the .db/.lmdb file), inline:{...} and static:value.
// Source text (postmap/texthash format): `key whitespace value` per logical line
// (continuations, comments and blank lines as in lines.hpp). As Postfix: a line without
// a value is skipped with a warning ("expected format: key whitespace value"); a
// duplicate key keeps the first value with a warning; keys are folded to lower case
// at load and lookup unless LoadOptions::fold_case is false (`postmap -f`).
// inline:{ k=v, { k = v with spaces } }: elements separated by commas/whitespace; a key
// may not hold whitespace; an empty value is allowed; keys are folded likewise.
// static:v / static:{ v with spaces }: every key finds v.
// LIMITATION: only ASCII letters are folded (Postfix with smtputf8_enable=yes also folds
// UTF-8 letters); a key with non-ASCII capitals must be written in lower case.
// Pure parsers (no I/O, no logging); the tables are immutable and thread-safe.
// Errors (Errc::config): those of lines.hpp, and with LoadOptions::strict every warning.
// See also: table.hpp, tests/unit/common/tables/fixed_table_test.cpp
#pragma once

#include <memory>
#include <string_view>

#include "common/base/result.hpp"
#include "common/tables/table.hpp"

namespace cachet::tables {

// Parses postmap/texthash source text. `name` is the table's name() (e.g.
// "texthash:/etc/postfix/x"); file_name appears in messages and Match::source.
[[nodiscard]] Result<std::unique_ptr<Table>> parse_text_table(std::string_view text, std::string_view file_name,
                                                              std::string name, const LoadOptions& options = {});

// Parses the "{ ... }" part of an inline: spec. Errors (Errc::config): missing braces,
// no element at all (Postfix: "empty table"),
// an element without '=', an empty key or one holding whitespace, unbalanced braces.
[[nodiscard]] Result<std::unique_ptr<Table>> parse_inline_table(std::string_view braced,
                                                                const LoadOptions& options = {});

// The table of static:value / static:{ value }. Errors (Errc::config): empty value
// without braces (Postfix: "expecting type:name form").
[[nodiscard]] Result<std::unique_ptr<Table>> make_static_table(std::string_view arg);

}  // namespace cachet::tables
