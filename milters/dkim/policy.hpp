// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/policy.hpp: opendkim's decisions as pure functions over a DkimState
// snapshot: the sender address from the From field, whether a message is signed (client in
// InternalHosts, {auth_type}/{auth_authen} set, MacroList or MTA match), which keys sign it
// (single-key mode with Domain/SubDomains, or SigningTable -> KeyTable with refile: globs,
// the opendkim lookup order, `%` substitution, `:identity`, MultipleSignatures), and the
// On-* action for a verification outcome with opendkim's reply codes and texts.
// No I/O, no logging; any thread.
// See also: settings.hpp, session.cpp, tests/unit/milters/dkim/policy_test.cpp
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/option_spec.hpp"
#include "common/dkim/verify.hpp"
#include "common/milter/session.hpp"
#include "milters/dkim/settings.hpp"

namespace cachet::dkimd {

struct Sender {
  std::string local;   // as written (may be empty)
  std::string domain;  // lower case, LDH-checked
};

// The mailbox of a From-like field value: the last <...> if any, else the bare addr-spec
// (comments removed). nullopt when there is no '@' or the domain is not an LDH name.
std::optional<Sender> parse_sender(std::string_view value);

// Macro values for the signing decision (absent macros as nullopt).
struct ClientFacts {
  bool is_internal = false;  // InternalHosts matched the client
  std::optional<std::string> auth_type, auth_authen, daemon_name;
  // MacroList: the value of each rule's macro, in rule order.
  std::vector<std::optional<std::string>> macro_values;
};

// True when opendkim would treat the message as originating (sign rather than verify).
bool is_originating(const DkimState& st, const ClientFacts& facts);

struct SignRequest {
  const SigningKey* key = nullptr;
  std::string domain;    // d=, '%' resolved
  std::string identity;  // i=, may be empty
};

// The signatures for this sender (empty: no key applies: "no signing table match").
std::vector<SignRequest> choose_keys(const DkimState& st, const Sender& sender);

// An SMTP outcome for an On-* action. Action::accept means "go on" (deliver).
struct Outcome {
  config::Action action = config::Action::accept;
  std::string code, xcode, text;  // set for reject/tempfail
};

enum class Situation { bad_signature, no_signature, key_not_found, dns_error, syntax_error,
                       internal_error, signature_error, security };
// opendkim's reply for `situation` under its configured action (peers.md s2.2).
Outcome outcome_for(const Actions& actions, Situation situation);

// The situation of a verified message: nullopt when a signature passed (or nothing to do).
// No results at all is no_signature. `neutral` results (ignored by the prescreen) do not
// count; when every result is neutral there is no action (opendkim 2.11 -t: accepted even
// with On-NoSignature reject). A
// MustBeSigned failure ("unprotected header field") is nullopt too: opendkim reports it in
// Authentication-Results (dkim=fail) but applies no On-* action (libopendkim returns
// DKIM_STAT_CANTVRFY for that signature, which mlfi_eom only records; checked with
// opendkim 2.11 -t: On-BadSignature reject still accepts), and since libopendkim picks that
// signature first (it carries the passed flag), the other signatures decide nothing.
std::optional<Situation> classify(const std::vector<dkim::SignatureResult>& results);

}  // namespace cachet::dkimd
