// SPDX-License-Identifier: BSD-2-Clause
// common/config/suggest.cpp: see suggest.hpp.
#include "common/config/suggest.hpp"

#include <algorithm>
#include <vector>

namespace cachet::config {
namespace {

constexpr std::size_t kMaxCompared = 256;

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  if (a.size() > kMaxCompared || b.size() > kMaxCompared) return kMaxCompared * 2;
  const std::size_t n = a.size(), m = b.size();
  // d[i][j]: distance between a[0,i) and b[0,j), rows kept whole for the transposition.
  std::vector<std::size_t> d((n + 1) * (m + 1));
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      std::size_t best = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        best = std::min(best, at(i - 2, j - 2) + 1);
      at(i, j) = best;
    }
  return at(n, m);
}

std::optional<std::string_view> nearest_option(OptionTable table, std::string_view name) {
  const std::size_t allowed = name.size() <= 4 ? kMaxSuggestEditsShort : kMaxSuggestEdits;
  std::optional<std::string_view> best;
  std::size_t best_distance = allowed + 1;
  for (const OptionSpec& o : table) {
    if (o.support == Support::obsolete) continue;
    const std::size_t dist = edit_distance(name, o.name);
    if (dist < best_distance) {
      best = o.name;
      best_distance = dist;
    }
  }
  return best;
}

}  // namespace cachet::config
