// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/policy.hpp: cachet-dkim's pure decision: opendkim's choices as functions
// over a SigningPolicy (the part of cachet-dkim's settings they read): the sender address from the From field, whether
// a message is signed (client in InternalHosts, {auth_type}/{auth_authen} set, MacroList or MTA match), which keys sign
// it (single-key mode with Domain/SubDomains, or SigningTable -> KeyTable with refile: globs, the opendkim lookup
// order, `%` substitution, `:identity`, MultipleSignatures), and the On-* action for a verification outcome with
// opendkim's reply codes and texts. No I/O, no logging; any thread. See also: milters/dkim/settings.hpp (builds the
// SigningPolicy), milters/dkim/session.cpp, tests/unit/common/dkim/policy_test.cpp
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cstdint>
#include <memory>

#include "common/config/dataset.hpp"
#include "common/config/option_spec.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/signature.hpp"
#include "common/dkim/verify.hpp"

namespace cachet::dkim {

struct SigningKey {
  std::string name;      // KeyTable key name ("" in single-key mode)
  std::string domain;    // d=; "%" = the sender's domain
  std::string selector;  // s=
  std::shared_ptr<const crypto::PrivateKey> key;
  dkim::Algorithm algorithm = dkim::Algorithm::rsa_sha256;
};

// MacroList item: the macro, and the values that count (empty = any non-empty value).
struct MacroRule {
  std::string name;  // as given to the MTA: "daemon_name" or "{daemon_name}"
  std::vector<std::string> values;
};

// The On-* actions (opendkim's names).
struct Actions {
  config::Action bad_signature = config::Action::accept;
  config::Action dns_error = config::Action::tempfail;
  config::Action internal_error = config::Action::tempfail;
  config::Action key_not_found = config::Action::accept;
  config::Action no_signature = config::Action::accept;
  config::Action security = config::Action::tempfail;
  config::Action signature_error = config::Action::reject;
};

// What the signing decision reads: cachet-dkim's DkimState derives from it.
struct SigningPolicy {
  std::vector<SigningKey> keys;  // KeyTable rows, or the single key
  bool single_key = false;       // Domain/KeyFile/Selector mode
  config::Dataset domains;       // single-key mode: Domain
  bool subdomains = false;
  std::optional<config::Dataset> signing_table;
  bool multiple_signatures = false;
  std::vector<MacroRule> macro_list;
  config::Dataset mta;

  // The key rows for a KeyTable name (case-insensitive), or null.
  const SigningKey* find_key(std::string_view name) const;
};

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
bool is_originating(const SigningPolicy& st, const ClientFacts& facts);
// Why it is originating, in words ("client in InternalHosts", "authenticated as alice",
// "MTA submission", "MacroList {daemon_name}=orig"); "" when it is not.
std::string origin_of(const SigningPolicy& st, const ClientFacts& facts);

struct SignRequest {
  const SigningKey* key = nullptr;
  std::string domain;          // d=, '%' resolved
  std::string identity;        // i=, may be empty
  std::size_t table_line = 0;  // the SigningTable line that chose it (0: none / inline)
};

// The signatures for this sender (empty: no key applies: "no signing table match").
std::vector<SignRequest> choose_keys(const SigningPolicy& st, const Sender& sender);

// An SMTP outcome for an On-* action. Action::accept means "go on" (deliver).
struct Outcome {
  config::Action action = config::Action::accept;
  std::string code, xcode, text;  // set for reject/tempfail
};

enum class Situation {
  bad_signature,
  no_signature,
  key_not_found,
  dns_error,
  syntax_error,
  internal_error,
  signature_error,
  security
};
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

}  // namespace cachet::dkim
