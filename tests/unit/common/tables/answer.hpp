// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/tables/answer.hpp: one-string summary of a lookup for table tests:
// "found:<value>", "notfound" or "error:<errc>".
#pragma once

#include <string>
#include <string_view>

#include "common/tables/table.hpp"

namespace cachet::tables {

inline std::string ask(const Table& t, std::string_view key) {
  const auto got = t.lookup(key);
  if (!got) return std::string("error:") + to_string(got.error().code);
  return got->has_value() ? "found:" + **got : "notfound";
}

}  // namespace cachet::tables
