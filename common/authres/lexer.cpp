// SPDX-License-Identifier: BSD-2-Clause
//
// common/authres/lexer.cpp: see lexer.hpp.
#include "common/authres/lexer.hpp"

#include <algorithm>
#include <array>

#include "common/base/strings.hpp"

namespace cachet::authres {
namespace {

bool is_wsp(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Character classes, from a table: every byte of every value, keyword and of the writer's
// output is asked. Token: RFC 2045 token characters ('/' aside), VCHAR minus tspecials.
constexpr unsigned char kToken = 1, kKeyword = 2;
constexpr auto kCharClass = [] {
  std::array<unsigned char, 256> t{};
  for (std::size_t c = 0x21; c < 0x7f; ++c) t[c] = kToken;
  for (const char c : std::string_view("()<>@,;:\\\"/[]?=")) t[static_cast<unsigned char>(c)] = 0;
  for (std::size_t c = '0'; c <= '9'; ++c) t[c] |= kKeyword;
  for (std::size_t c = 'a'; c <= 'z'; ++c) t[c] |= kKeyword;
  for (std::size_t c = 'A'; c <= 'Z'; ++c) t[c] |= kKeyword;
  t['-'] |= kKeyword;
  t['_'] |= kKeyword;
  return t;
}();

bool is_keyword_char(char c) noexcept { return (kCharClass[static_cast<unsigned char>(c)] & kKeyword) != 0; }

}  // namespace

bool is_token_char(char c, bool allow_slash) noexcept {
  if (c == '/') return allow_slash;
  return (kCharClass[static_cast<unsigned char>(c)] & kToken) != 0;
}

bool Lexer::eat(char c) noexcept {
  if (peek() != c || at_end()) return false;
  ++pos_;
  return true;
}

bool Lexer::skip_cfws_slow(std::string* first_comment) {
  while (!at_end()) {
    if (is_wsp(in_[pos_])) {
      ++pos_;
      continue;
    }
    if (in_[pos_] != '(') return true;
    const std::size_t start = ++pos_;
    std::size_t depth = 1;
    while (depth > 0) {
      if (at_end()) return false;
      const char c = in_[pos_++];
      if (c == '\\') {
        if (at_end()) return false;
        ++pos_;
      } else if (c == '(') {
        if (++depth > max_depth_) return false;
      } else if (c == ')') {
        --depth;
      } else if (c == '\0') {
        return false;
      }
    }
    if (first_comment != nullptr && first_comment->empty()) {
      *first_comment = std::string(in_.substr(start, pos_ - 1 - start));
    }
  }
  return true;
}

std::string_view Lexer::keyword() {
  const std::size_t start = pos_;
  while (!at_end() && is_keyword_char(in_[pos_])) ++pos_;
  return in_.substr(start, pos_ - start);
}

std::string_view Lexer::digits() {
  const std::size_t start = pos_;
  while (!at_end() && in_[pos_] >= '0' && in_[pos_] <= '9') ++pos_;
  // "1abc" is not a version: leave it for the caller to reject.
  if (!at_end() && is_token_char(in_[pos_])) {
    pos_ = start;
    return {};
  }
  return in_.substr(start, pos_ - start);
}

bool Lexer::at_keyword(std::string_view word) {
  const std::size_t start = pos_;
  const std::string_view k = keyword();
  if (iequals(k, word) && (at_end() || !is_token_char(peek()))) return true;
  pos_ = start;
  return false;
}

Result<std::string> Lexer::quoted() {
  ++pos_;  // opening quote
  std::string out;
  while (!at_end()) {
    const char c = in_[pos_++];
    if (c == '"') return out;
    if (c == '\0') break;
    if (c == '\\') {
      if (at_end()) break;
      // quoted-pair is "\" (VCHAR / WSP) (RFC 5322 s3.2.1): an escaped CR or LF would put
      // a line break into the value that no writer can reproduce.
      if (in_[pos_] == '\r' || in_[pos_] == '\n') return error("line break in a quoted-pair");
      out += in_[pos_++];
    } else if (c != '\r' && c != '\n') {
      out += c;
    }
  }
  return error("unterminated quoted string");
}

Result<std::string> Lexer::value(bool allow_slash) {
  if (peek() == '"') return quoted();
  const std::size_t start = pos_;
  while (!at_end() && is_token_char(in_[pos_], allow_slash)) ++pos_;
  if (pos_ == start) return error("expected a value");
  return std::string(in_.substr(start, pos_ - start));
}

Result<std::string> Lexer::pvalue() {
  if (peek() == '"') return quoted();
  const std::size_t start = pos_;
  while (!at_end() && (is_token_char(in_[pos_], true) || in_[pos_] == '@')) ++pos_;
  if (pos_ == start) return error("expected a property value");
  return std::string(in_.substr(start, pos_ - start));
}

Result<std::string> Lexer::loose_value() {
  if (peek() == '"') return quoted();
  const std::size_t start = pos_;
  while (!at_end()) {
    const auto u = static_cast<unsigned char>(in_[pos_]);
    if (u <= 0x20 || u >= 0x7f || in_[pos_] == ';' || in_[pos_] == '(') break;
    ++pos_;
  }
  if (pos_ == start) return error("expected a value");
  return std::string(in_.substr(start, pos_ - start));
}

Unexpected<Error> Lexer::error(std::string detail) const {
  return fail(Errc::bad_input, detail + " at offset " + std::to_string(pos_));
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c != '\r' && c != '\n') out += c;
  }
  out += '"';
}

void append_quoted_if_needed(std::string& out, std::string_view s, bool allow_slash, bool allow_at) {
  const bool bare = !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return is_token_char(c, allow_slash) || (allow_at && c == '@');
  });
  if (bare)
    out += s;
  else
    append_quoted(out, s);
}

void append_escaped_comment(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    if (c != '\r' && c != '\n') out += c;
  }
}

std::string quote(std::string_view s) {
  std::string out;
  append_quoted(out, s);
  return out;
}

std::string quote_if_needed(std::string_view s, bool allow_slash, bool allow_at) {
  std::string out;
  append_quoted_if_needed(out, s, allow_slash, allow_at);
  return out;
}

std::string escape_comment(std::string_view s) {
  std::string out;
  append_escaped_comment(out, s);
  return out;
}

}  // namespace cachet::authres
