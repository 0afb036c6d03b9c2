// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/suggest.hpp: the "did you mean" for an unknown option name: the known name
// nearest to it by edit distance (insertions, deletions, substitutions and transpositions
// of adjacent letters, compared case-insensitively), if it is near enough to be a typo.
// Pure; any thread.
// See also: parser.cpp (unknown options), tests/unit/common/config/check_problems_test.cpp
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/config/option_spec.hpp"

namespace cachet::config {

// Edits allowed for a name of `length` bytes to count as a typo: 1 up to 4 bytes, else 2.
inline constexpr std::size_t kMaxSuggestEditsShort = 1;
inline constexpr std::size_t kMaxSuggestEdits = 2;

// Optimal string alignment distance, case-insensitive. Inputs longer than 256 bytes are
// never near anything: returns a large number without computing.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The table's name (as spelled in the table) nearest to `name`, skipping obsolete names;
// ties go to the earlier row. nullopt when none is within the allowed edits.
std::optional<std::string_view> nearest_option(OptionTable table, std::string_view name);

}  // namespace cachet::config
