// SPDX-License-Identifier: BSD-2-Clause
// common/policy/reply.cpp: see reply.hpp.
#include "common/policy/reply.hpp"

#include "common/base/strings.hpp"

namespace cachet::policy {

namespace {

std::string keyword(std::string_view upper, KeywordCase kc) {
  return kc == KeywordCase::upper ? std::string(upper) : to_lower(upper);
}

std::string with_text(std::string_view upper, std::string_view text, KeywordCase kc) {
  std::string out = keyword(upper, kc);
  if (!text.empty()) {
    out.push_back(' ');
    out.append(text);
  }
  return out;
}

bool is_digits(std::string_view s, std::size_t min, std::size_t max) noexcept {
  if (s.size() < min || s.size() > max) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// RFC 3463: class "." subject "." detail; subject and detail 1-3 digits.
bool is_enhanced_status(std::string_view s, char klass) noexcept {
  const auto parts = split(s, '.');
  return parts.size() == 3 && parts[0].size() == 1 && parts[0][0] == klass && is_digits(parts[1], 1, 3) &&
         is_digits(parts[2], 1, 3);
}

}  // namespace

Result<std::string> format_reply(std::string_view action) {
  if (action.empty()) return fail(Errc::internal, "empty policy action");
  if (action.size() > kMaxActionBytes) return fail(Errc::internal, "policy action too long");
  if (action.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos)
    return fail(Errc::internal, "policy action contains CR, LF or NUL");
  std::string out;
  out.reserve(action.size() + 9);
  out.append("action=");
  out.append(action);
  out.append("\n\n");
  return out;
}

std::string dunno(KeywordCase kc) { return keyword("DUNNO", kc); }
std::string ok(KeywordCase kc) { return keyword("OK", kc); }

Result<std::string> prepend(std::string_view header_name, std::string_view value, KeywordCase kc) {
  if (header_name.empty()) return fail(Errc::internal, "empty header name");
  for (const char c : header_name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126 || c == ':') return fail(Errc::internal, "header name is not RFC 5322 ftext");
  }
  std::string out = keyword("PREPEND ", kc);
  out.append(header_name);
  out.append(": ");
  out.append(value);
  return out;
}

std::string reject(std::string_view text, KeywordCase kc) { return with_text("REJECT", text, kc); }

std::string defer_if_permit(std::string_view text, KeywordCase kc) { return with_text("DEFER_IF_PERMIT", text, kc); }

std::string defer(std::string_view text, KeywordCase kc) { return with_text("DEFER", text, kc); }

Result<std::string> smtp_reply(unsigned code, std::string_view enhanced, std::string_view text) {
  if (code < 400 || code > 599) return fail(Errc::internal, "SMTP reply code not 4xx/5xx");
  const std::string digits = std::to_string(code);
  if (!enhanced.empty() && !is_enhanced_status(enhanced, digits[0]))
    return fail(Errc::internal, "bad enhanced status code for reply class");
  std::string out = digits;
  if (!enhanced.empty()) {
    out.push_back(' ');
    out.append(enhanced);
  }
  if (!text.empty()) {
    out.push_back(' ');
    out.append(text);
  }
  return out;
}

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned cp = 0;
    if (c >= 0xc2 && c <= 0xdf)
      len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      len = 4, cp = c & 0x07;
    else
      return false;  // continuation byte, overlong lead (c0/c1) or beyond U+10FFFF
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

}  // namespace cachet::policy
