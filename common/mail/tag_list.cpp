// SPDX-License-Identifier: BSD-2-Clause
//
// common/mail/tag_list.cpp: see tag_list.hpp.
#include "common/mail/tag_list.hpp"

namespace cachet::mail {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_valchar(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E && c != ';';
}

// Length of the FWS at `pos` (0 if none). A line break counts only when WSP follows it.
std::size_t fws_len(std::string_view s, std::size_t pos) noexcept {
  std::size_t i = pos;
  for (;;) {
    if (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
      ++i;
      continue;
    }
    std::size_t brk = 0;
    if (i + 1 < s.size() && s[i] == '\r' && s[i + 1] == '\n')
      brk = 2;
    else if (i < s.size() && s[i] == '\n')
      brk = 1;
    if (brk > 0 && i + brk < s.size() && (s[i + brk] == ' ' || s[i + brk] == '\t')) {
      i += brk;
      continue;
    }
    return i - pos;
  }
}

}  // namespace

const Tag* TagList::find(std::string_view name) const noexcept {
  for (const auto& t : tags) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<TagList> parse_tag_list(std::string_view s) {
  if (s.size() > kMaxTagListBytes) return fail(Errc::permanent, "tag list too long");
  TagList list;
  std::size_t i = 0;
  for (;;) {
    i += fws_len(s, i);
    if (i == s.size()) {
      // End after "…;" (the optional trailing ';') or whitespace-only input.
      if (list.tags.empty()) return fail(Errc::permanent, "empty tag list");
      return list;
    }
    const std::size_t name_start = i;
    if (!is_alpha(s[i])) return fail(Errc::permanent, "bad tag name");
    while (i < s.size() && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_')) ++i;
    const std::string_view name = s.substr(name_start, i - name_start);
    i += fws_len(s, i);
    if (i == s.size() || s[i] != '=') {
      return fail(Errc::permanent, "missing '=' after tag " + std::string(name));
    }
    ++i;
    i += fws_len(s, i);
    const std::size_t value_start = i;
    std::size_t value_end = i;
    while (i < s.size() && s[i] != ';') {
      if (is_valchar(s[i])) {
        ++i;
        value_end = i;
        continue;
      }
      const std::size_t w = fws_len(s, i);
      if (w == 0) return fail(Errc::permanent, "invalid byte in value of tag " + std::string(name));
      i += w;
    }
    if (list.find(name) != nullptr) {
      return fail(Errc::permanent, "duplicate tag " + std::string(name));
    }
    if (list.tags.size() >= kMaxTags) return fail(Errc::permanent, "too many tags");
    list.tags.push_back(Tag{std::string(name), std::string(s.substr(value_start, value_end - value_start))});
    if (i == s.size()) return list;
    ++i;  // ';'
  }
}

}  // namespace cachet::mail
