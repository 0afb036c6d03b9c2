// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/reply.hpp: the policy server's answer, `action=<access(5) action>\n\n`
// (SMTPD_POLICY_README), and builders for the actions the cachet daemons use.
// Pure; any thread. Validation happens in format_reply(): whatever a builder or a handler
// produced, nothing that could break the framing or forge a second reply goes on the wire.
// Keyword case: Postfix compares action keywords case-insensitively. The builders take a
// KeywordCase so a drop-in can reproduce its peer's exact line (policyd-spf writes
// `prepend`, `dunno`, `defer_if_permit`; Postfix's documentation and the perl policyd
// write upper case).
// LIMITATION: replies are not checked for UTF-8 validity. With smtputf8_enable=yes (the
// default) Postfix treats a non-UTF-8 reply as a failed query; use is_valid_utf8() to
// sanitise text that embeds peer data before building the action.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::policy {

// Longest action text we will send. Postfix folds long PREPEND headers and wraps long
// SMTP replies itself; anything near this size is a bug in the caller.
inline constexpr std::size_t kMaxActionBytes = 8192;

enum class KeywordCase { upper, lower };

// `action=<action>\n\n`. Errors (Errc::internal: the daemon built a bad action): empty
// action, longer than kMaxActionBytes, or containing LF, CR or NUL.
[[nodiscard]] Result<std::string> format_reply(std::string_view action);

// "DUNNO" / "dunno": no decision, let the next restriction decide.
std::string dunno(KeywordCase kc = KeywordCase::upper);
// "OK": accept (for this restriction stage).
std::string ok(KeywordCase kc = KeywordCase::upper);
// "PREPEND name: value". The header name must be ftext (RFC 5322: printable ASCII except
// ':' and space); errors (Errc::internal) otherwise. The value is checked by format_reply().
[[nodiscard]] Result<std::string> prepend(std::string_view header_name, std::string_view value,
                                          KeywordCase kc = KeywordCase::upper);
// "REJECT text" / "REJECT" when text is empty (Postfix then uses its default 5xx reply).
std::string reject(std::string_view text, KeywordCase kc = KeywordCase::upper);
// "DEFER_IF_PERMIT text": a temporary failure unless a later restriction rejects.
std::string defer_if_permit(std::string_view text, KeywordCase kc = KeywordCase::upper);
// "DEFER text": an unconditional temporary failure.
std::string defer(std::string_view text, KeywordCase kc = KeywordCase::upper);
// A raw SMTP reply: "550 5.7.1 text" ("550 text" when `enhanced` is empty). Errors
// (Errc::internal): code outside 400-599, or an enhanced status code that is not
// `class.subject.detail` with the same class digit as the code (RFC 3463).
[[nodiscard]] Result<std::string> smtp_reply(unsigned code, std::string_view enhanced, std::string_view text);

// The reply Postfix gets when a handler fails and the daemon is configured to answer
// instead of disconnecting (STYLE.md s6).
inline constexpr std::string_view kTemporaryFailureAction = "DEFER_IF_PERMIT Service temporarily unavailable";

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace cachet::policy
