// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/macro.cpp: macro-expand = "%{" letter *DIGIT ["r"] *delimiter "}" / "%%" /
// "%_" / "%-" (RFC 7208 s7.1); transformers per s7.3; URL escaping per s7.3 (upper-case
// letter: escape every character outside RFC 3986 "unreserved").
#include "common/spf/macro.hpp"

#include <algorithm>
#include <vector>

#include "common/base/strings.hpp"

namespace cachet::spf {
namespace {

bool is_delim(char c) noexcept {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

bool is_unreserved(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

const std::string_view* value_of(char letter, const MacroContext& m, bool is_exp) {
  switch (ascii_lower(letter)) {
    case 's': return &m.sender;
    case 'l': return &m.local_part;
    case 'o': return &m.sender_domain;
    case 'd': return &m.domain;
    case 'i': return &m.ip_dotted;
    case 'p': return &m.ptr_name;
    case 'v': return &m.ip_version;
    case 'h': return &m.helo;
    case 'c': return is_exp ? &m.client_ip : nullptr;
    case 'r': return is_exp ? &m.receiver : nullptr;
    case 't': return is_exp ? &m.timestamp : nullptr;
    default: return nullptr;
  }
}

// Applies *DIGIT ["r"] *delimiter to one value (s7.3).
std::string transform(std::string_view value, std::size_t keep, bool reverse, std::string_view delims) {
  if (delims.empty()) delims = ".";
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delims.find(value[i]) != std::string_view::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (reverse) std::reverse(parts.begin(), parts.end());
  if (keep > 0 && keep < parts.size()) parts.erase(parts.begin(), parts.end() - keep);
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '.';
    out += parts[i];
  }
  return out;
}

void url_escape_into(std::string* out, std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : v) {
    if (is_unreserved(c)) {
      out->push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out->push_back('%');
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0x0f]);
    }
  }
}

}  // namespace

Result<std::string> expand_macros(std::string_view text, const MacroContext& ctx, bool is_exp) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && out.size() < kMaxExpansionBytes;) {
    const char c = text[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) return fail(Errc::permanent, "'%' at end of macro-string");
    const char n = text[i + 1];
    if (n == '%' || n == '_' || n == '-') {
      out += n == '%' ? "%" : (n == '_' ? " " : "%20");
      i += 2;
      continue;
    }
    if (n != '{' || i + 2 >= text.size()) return fail(Errc::permanent, "bad '%' escape");
    const char letter = text[i + 2];
    const std::string_view* value = value_of(letter, ctx, is_exp);
    if (value == nullptr) return fail(Errc::permanent, "invalid macro letter");
    std::size_t j = i + 3;
    std::size_t keep = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
      keep = std::min<std::size_t>(keep * 10 + static_cast<std::size_t>(text[j] - '0'), 1000);
      ++j;
    }
    bool reverse = false;
    if (j < text.size() && (text[j] == 'r' || text[j] == 'R')) {
      reverse = true;
      ++j;
    }
    const std::size_t delim_start = j;
    while (j < text.size() && is_delim(text[j])) ++j;
    if (j >= text.size() || text[j] != '}') return fail(Errc::permanent, "malformed macro");
    const std::string v = transform(*value, keep, reverse, text.substr(delim_start, j - delim_start));
    if (letter >= 'A' && letter <= 'Z') {
      url_escape_into(&out, v);
    } else {
      out += v;
    }
    i = j + 1;
  }
  if (out.size() > kMaxExpansionBytes) out.resize(kMaxExpansionBytes);
  return out;
}

bool uses_ptr_macro(std::string_view text) noexcept {
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] == '%' && text[i + 1] == '{' && ascii_lower(text[i + 2]) == 'p') return true;
    if (text[i] == '%' && text[i + 1] == '%') ++i;
  }
  return false;
}

}  // namespace cachet::spf
