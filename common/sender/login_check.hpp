// SPDX-License-Identifier: BSD-2-Clause
//
// common/sender/login_check.hpp: the decision of Postfix's reject_*_sender_login_mismatch
// restrictions (smtpd_check.c reject_auth_sender_login_mismatch and
// reject_unauth_sender_login_mismatch, Postfix 3.7; conformance.md s5.1), as one pure
// function over the request facts and a lookup callback:
//   * a null sender is never checked (allowed, no lookup);
//   * authenticated (non-empty login) and the variant checks logged-in clients
//     (all, authenticated, known): look the sender up; the login owns it when it equals
//     one of the owners (split on commas and whitespace), ASCII case-insensitively →
//     allowed; found but not owned → "553 5.7.1 not owned by user LOGIN"; not found → the
//     same, except for `known` (allowed);
//   * unauthenticated and the variant checks anonymous clients (all, unauthenticated,
//     known): found → "553 5.7.1 not logged in"; not found → allowed;
//   * otherwise allowed without a lookup.
// The action carries only the code, enhanced code and the reason: smtpd prefixes the text
// of a check_policy_service reply with "<sender>: Sender address rejected: " (smtpd_check.c
// check_table_result, when the service runs in smtpd_sender_restrictions), which yields
// Postfix's own reply byte for byte (verified in the e2e stack):
//   553 5.7.1 <bob@example.com>: Sender address rejected: not owned by user alice
// client_reply() builds that final text, for query mode and tests.
// Allowed answers DUNNO (the next restriction decides), as Postfix's check answers
// SMTPD_CHECK_DUNNO. A lookup error is never an allow: a temporary error (PCRE2 limit)
// answers the configured TableErrorAction with "4.3.0 Temporary lookup failure", any other
// (empty result, bad key) with "4.3.5 Server configuration error" (Postfix: 451 4.3.0 /
// 451 4.3.5 from reject_dict_retry / reject_server_error).
// The login is quoted in the reply only after control bytes and invalid UTF-8 became '?'
// (Postfix would refuse a non-UTF-8 reply as a failed query).
// LIMITATION: owners compare ASCII case-insensitively (Postfix folds UTF-8 too).
// Pure: no I/O, no logging; the lookup callback is called at most once, on this thread.
// See also: tests/unit/common/sender/login_check_test.cpp, owners.hpp
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::sender {

// The four Postfix restrictions, by the suffix of their name.
enum class MismatchPolicy {
  all,              // reject_sender_login_mismatch
  authenticated,    // reject_authenticated_sender_login_mismatch
  unauthenticated,  // reject_unauthenticated_sender_login_mismatch
  known,            // reject_known_sender_login_mismatch
};

// Postfix's restriction name for each policy, and back (case-insensitive).
std::string_view to_string(MismatchPolicy p) noexcept;
std::optional<MismatchPolicy> parse_mismatch_policy(std::string_view name) noexcept;
inline constexpr std::string_view kMismatchPolicyChoices =
    "reject_sender_login_mismatch|reject_authenticated_sender_login_mismatch|"
    "reject_unauthenticated_sender_login_mismatch|reject_known_sender_login_mismatch";

// What to answer when the lookup fails (OnTableError).
enum class TableErrorAction {
  defer_if_permit,  // DEFER_IF_PERMIT 4.3.x text: temporary unless a later check rejects
  defer,            // 451 4.3.x text: Postfix's own answer (reject_dict_retry)
};
std::optional<TableErrorAction> parse_table_error_action(std::string_view word) noexcept;
inline constexpr std::string_view kTableErrorChoices = "defer_if_permit|defer";

// What one source (the login maps, an aliases file) found: the owners text (unsplit) and
// where it came from.
struct Owners {
  std::string owners;  // "alice, bob"
  std::string rule;    // "/etc/postfix/sendas.pcre:3", "/etc/aliases:7"
  std::string text;    // the rule as written, for the admin ("/^(.+)@example\.test$/ ${1}")
};
// Every source that knows the address, in order; empty = not found ("unknown address").
// Errors: Errc::temporary (retry), anything else (configuration).
using OwnerLookup = std::function<Result<std::vector<Owners>>(std::string_view sender)>;

enum class Verdict { allowed, not_owned, not_logged_in, lookup_failed };
std::string_view to_string(Verdict v) noexcept;

struct Decision {
  Verdict verdict = Verdict::allowed;
  std::string action;     // the policy action: "DUNNO", "553 5.7.1 not logged in", a defer
  std::string rule;       // the rule that granted, else the first that matched, else ""
  std::string owners;     // that rule's owners ("" when not found)
  std::string rule_text;  // that rule as written
  std::string why;        // short reason for the log: "owner", "null sender", "not in map", ...
};

struct LoginFacts {
  std::string_view sender;  // MAIL FROM as given ("" = null sender)
  std::string_view login;   // sasl_username ("" = not authenticated)
};

Decision decide(MismatchPolicy policy, TableErrorAction on_error, const LoginFacts& facts, const OwnerLookup& lookup);

// The reply the SMTP client sees when the service runs in smtpd_sender_restrictions
// ("" for allowed): DEFER_IF_PERMIT becomes 450 (access_map_defer_code).
std::string client_reply(const Decision& d, std::string_view sender);

// True when the variant checks a client that is (logged_in) or is not authenticated.
bool checks_client(MismatchPolicy p, bool logged_in) noexcept;

// True when `login` is one of the comma/whitespace separated names in `owners`.
bool is_owner(std::string_view owners, std::string_view login) noexcept;

// `text` with bytes unsafe in an SMTP reply (control characters, invalid UTF-8)
// replaced by '?'.
std::string reply_safe(std::string_view text);

}  // namespace cachet::sender
