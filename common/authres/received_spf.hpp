// SPDX-License-Identifier: BSD-2-Clause
//
// common/authres/received_spf.hpp: Received-SPF field parser (RFC 7208 s9.1).
// Pure; no I/O, no logging; any thread. It only parses: whether a Received-SPF may be
// trusted is the milter's decision (CVE-2019-20790: use only the topmost field, only with
// identity=mailfrom and an envelope-from equal to the real envelope sender).
// Accepted shape: result [comment] [key=value *(";" key=value) [";"]], result
// case-insensitive; values are quoted strings or runs of printable ASCII without ';',
// '(' or spaces (policyd-spf writes "receiver=<UNKNOWN>", RFC 7208 allows addr-specs).
// Errors: Errc::bad_input (unknown result, bad key, NUL/8-bit outside comments and
// quotes, duplicate key, limits).
// See also: authres.hpp, tests/unit/common/authres/received_spf_test.cpp
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::authres {

inline constexpr std::size_t kMaxReceivedSpfBytes = 16 * 1024;
inline constexpr std::size_t kMaxReceivedSpfPairs = 32;

enum class SpfResult { pass, fail, softfail, neutral, none, temperror, permerror };
const char* to_string(SpfResult r) noexcept;

struct ReceivedSpf {
  SpfResult result = SpfResult::none;
  std::string comment;                                     // first comment after the result, without parentheses
  std::vector<std::pair<std::string, std::string>> pairs;  // key lower case, value unquoted
  // The value of `key` (case-insensitive), or nullptr.
  const std::string* find(std::string_view key) const noexcept;
};

// Parses the field value (after "Received-SPF:"), folded or not.
[[nodiscard]] Result<ReceivedSpf> parse_received_spf(std::string_view value);

}  // namespace cachet::authres
