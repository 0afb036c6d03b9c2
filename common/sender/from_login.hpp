// SPDX-License-Identifier: BSD-2-Clause
//
// common/sender/from_login.hpp: the header From (and Sender) bound to the SASL login, the
// decision cachet-dkim makes at end of headers before it signs: every mailbox of the From
// field, and of the Sender field when present, must be owned by the login under the same
// relation Postfix's reject_*_sender_login_mismatch applies to the envelope sender
// (login_check.hpp decide(), login_maps.hpp lookups: the login maps, then alias owners;
// owners compared ASCII case-insensitively). Per address:
//   * owned (or not checked by the variant, e.g. `known` and not in the maps) -> next;
//   * logged in and not owned -> "not owned by user LOGIN" -> FromLoginMismatch;
//   * no login (InternalHosts, MTA, MacroList made it originating) and the address has
//     owners -> "not logged in" -> InternalFromMismatch;
//   * the lookup failed -> never a sign for an enforcing policy: reject becomes tempfail
//     (451 4.3.0 for a temporary failure, 451 4.3.5 otherwise), nosign stays nosign.
// A header that cannot be bound to anyone is a mismatch too, of the class the login gives
// (with a login: FromLoginMismatch; without: InternalFromMismatch): no From field, more than
// one From or Sender field (RFC 5322 s3.6 allows one), a field that common/mail's From
// parser refuses, a mailbox without a local part. So a malformed From is never signed for
// the wrong owner when the policy enforces.
// The signer's own reading of the address it picks its key by is checked too (key_*).
// Encoded words (RFC 2047) are not decoded: they may only stand in display names, where the
// parser skips them; one that carries an unquoted '@' yields a mailbox no login owns.
// Verdict actions: sign (owned, or mismatch under `sign`), nosign, reject (550 5.7.1 with
// the address and the login in the text), tempfail (lookup failure under `reject`).
// The reply text quotes the address and login only after reply_safe().
// Pure: no I/O, no logging; the lookup callback is called once per distinct address, on
// this thread.
// See also: tests/unit/common/sender/from_login_test.cpp, tests/fuzz/fuzz_from_login.cpp,
//   milters/dkim/session.cpp (the caller)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sender/login_check.hpp"

namespace cachet::sender {

// What to do with a message; the configurable ones are sign, nosign and reject.
enum class FromAction { sign, nosign, reject, tempfail };
std::string_view to_string(FromAction a) noexcept;
// sign|nosign|reject (case-insensitive); tempfail is a verdict only.
std::optional<FromAction> parse_from_action(std::string_view word) noexcept;
inline constexpr std::string_view kFromActionChoices = "sign|nosign|reject";

struct FromPolicy {
  MismatchPolicy variant = MismatchPolicy::all;     // FromMismatchPolicy
  FromAction login_mismatch = FromAction::sign;     // FromLoginMismatch
  FromAction no_login_mismatch = FromAction::sign;  // InternalFromMismatch
  // True when some mismatch is enforced (nosign or reject).
  bool enforces() const noexcept { return login_mismatch != FromAction::sign || no_login_mismatch != FromAction::sign; }
};

struct HeaderFacts {
  std::string_view login;                       // {auth_authen}; "" = not authenticated
  std::vector<std::string_view> from_fields;    // the value of every From field
  std::vector<std::string_view> sender_fields;  // the value of every Sender field
  // The address the signer chooses its key by, as its own (more tolerant) reader found it
  // (cachet-dkim: parse_sender on the first SenderHeaders field), and that field's name.
  // Checked like the others, so that a field the two readers read differently (e.g.
  // `a@x \@y`: an escaped '@' is no address to the strict parser, y to the signer) never
  // chooses a key by an address nobody checked. Empty: none.
  std::string_view key_field;
  std::string_view key_local_part;  // as written (quotes kept)
  std::string_view key_domain;
};

enum class FromVerdict { owned, not_owned, not_logged_in, malformed, lookup_failed };
std::string_view to_string(FromVerdict v) noexcept;

struct FromDecision {
  FromAction action = FromAction::sign;
  FromVerdict verdict = FromVerdict::owned;
  std::string field;                    // "From" or "Sender": the field that decided ("" when owned)
  std::string address;                  // the mailbox that decided, as looked up ("" when none)
  std::string why;                      // "not owned by user alice", "more than one From field", ...
  std::string rule, owners, rule_text;  // the map rule that matched (login_check Decision)
  std::string code, xcode, text;        // the SMTP reply for reject and tempfail
  std::vector<std::string> addresses;   // every mailbox checked, in order (for the log)
};

FromDecision decide_from(const FromPolicy& policy, const HeaderFacts& facts, const OwnerLookup& lookup);

// The lookup key of a parsed mailbox: local part unquoted (RFC 5322 quoted-string, so
// "a.b"@x and a.b@x are one mailbox), '@', the normalised domain. nullopt for an empty
// local part.
std::optional<std::string> lookup_address(std::string_view local_part, std::string_view domain);

}  // namespace cachet::sender
