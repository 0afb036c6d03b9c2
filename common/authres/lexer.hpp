// SPDX-License-Identifier: BSD-2-Clause
//
// common/authres/lexer.hpp: the RFC 5322 / RFC 2045 lexical layer shared by the
// Authentication-Results and Received-SPF parsers: CFWS with nested comments, keywords,
// tokens, quoted strings; and the matching writer helpers. Internal to common/authres.
// Pure; any thread; never reads past the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::authres {

class Lexer {
 public:
  Lexer(std::string_view in, std::size_t max_comment_depth) : in_(in), max_depth_(max_comment_depth) {}

  bool at_end() const noexcept { return pos_ >= in_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : in_[pos_]; }
  bool eat(char c) noexcept;
  // Skips whitespace, line folds and comments. The text of the first comment goes to
  // *first_comment if given and still empty. False on an unterminated/too deep comment.
  bool skip_cfws(std::string* first_comment = nullptr) {
    // Most tokens are followed by a special directly: nothing to skip, no call.
    const char c = peek();
    return (c > ' ' && c != '(') || skip_cfws_slow(first_comment);
  }
  // Views into the input (the caller copies what it keeps).
  std::string_view keyword();  // 1*(ALPHA / DIGIT / "-" / "_"), may be empty
  std::string_view digits();
  // Consumes `word` if it is the whole next keyword (case-insensitive).
  bool at_keyword(std::string_view word);
  // RFC 2045 token or quoted-string (unquoted); optionally '/' inside a token.
  Result<std::string> value(bool allow_slash = false);
  // A property value: quoted-string, or token characters plus '@' and '/'.
  Result<std::string> pvalue();
  // Anything up to WSP, ';' or '(' (Received-SPF values such as "<UNKNOWN>").
  Result<std::string> loose_value();
  Unexpected<Error> error(std::string detail) const;

 private:
  Result<std::string> quoted();
  bool skip_cfws_slow(std::string* first_comment);
  std::string_view in_;
  std::size_t pos_ = 0;
  std::size_t max_depth_;
};

bool is_token_char(char c, bool allow_slash = false) noexcept;
std::string quote(std::string_view s);
// Bare if a non-empty token (optionally with '/', '@'), quoted otherwise.
std::string quote_if_needed(std::string_view s, bool allow_slash = false, bool allow_at = false);
std::string escape_comment(std::string_view s);
// The same, appended to `out` (the writer builds a field in one string).
void append_quoted(std::string& out, std::string_view s);
void append_quoted_if_needed(std::string& out, std::string_view s, bool allow_slash = false, bool allow_at = false);
void append_escaped_comment(std::string& out, std::string_view s);

}  // namespace cachet::authres
