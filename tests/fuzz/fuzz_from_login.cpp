// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_from_login.cpp: the header From/Sender bound to the SASL login
// (common/sender/from_login.hpp) over arbitrary header values, logins and policies.
// Input: byte 0 picks the policy (variant, FromLoginMismatch, InternalFromMismatch); the
// rest is lines: the first is the login, then one field per line ("S:" starts a Sender
// field, anything else a From field). The map is a fixed oracle: <x>@example.test is owned
// by x (any case), postmaster@example.test by alice, addresses containing "fail" make the
// lookup fail, the rest is not in the map.
// Invariants: never crash, hang or throw; an enforcing policy never answers sign for a
// header it did not find owned; "owned" holds when re-checked against the oracle mailbox by
// mailbox; a reply carries no control bytes; and when the From is owned, the domain
// cachet-dkim picks its signing key by (common/dkim/policy.hpp parse_sender, a more
// tolerant reader) is the domain of a mailbox the check saw, so no key is chosen by an
// address nobody checked.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/strings.hpp"
#include "common/dkim/policy.hpp"
#include "common/mail/address.hpp"
#include "common/mail/header.hpp"
#include "common/sender/from_login.hpp"

namespace {

using namespace cachet;
using namespace cachet::sender;

Result<std::vector<Owners>> oracle(std::string_view address) {
  const std::string a = to_lower(address);
  if (a.find("fail") != std::string::npos) return fail(Errc::temporary, "oracle failure");
  if (a == "postmaster@example.test") return std::vector<Owners>{{"alice", "oracle:1", ""}};
  const std::string suffix = "@example.test";
  if (a.size() > suffix.size() && a.ends_with(suffix))
    return std::vector<Owners>{{a.substr(0, a.size() - suffix.size()), "oracle:2", ""}};
  return std::vector<Owners>{};
}

// True when the oracle lets `login` use this address.
bool owned_by(const FromPolicy& p, std::string_view login, const std::string& address) {
  const auto owners = oracle(address);
  if (!owners) return false;
  if (owners->empty()) return !login.empty() ? p.variant == MismatchPolicy::known : true;
  if (login.empty()) return false;
  bool mine = false;
  for (const auto& o : *owners) mine = mine || is_owner(o.owners, login);
  return mine;
}

// True when the oracle lets `login` use every mailbox of the fields.
bool all_owned(const FromPolicy& p, std::string_view login, const std::vector<std::string_view>& fields) {
  for (const std::string_view f : fields) {
    const auto boxes = mail::parse_from_mailboxes(f);
    if (!boxes) return false;
    for (const auto& b : *boxes) {
      const auto a = lookup_address(b.local_part, b.domain);
      if (!a || !owned_by(p, login, *a)) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned bits = data[0];
  FromPolicy policy;
  policy.variant = static_cast<MismatchPolicy>(bits & 3u);
  policy.login_mismatch = static_cast<FromAction>(((bits >> 2) & 3u) % 3u);
  policy.no_login_mismatch = static_cast<FromAction>(((bits >> 4) & 3u) % 3u);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> lines;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  HeaderFacts facts;
  if (!lines.empty()) facts.login = lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].starts_with("S:"))
      facts.sender_fields.push_back(lines[i].substr(2));
    else
      facts.from_fields.push_back(lines[i]);
  }
  // As cachet-dkim: the signer's reading of the From field is checked too.
  std::optional<dkim::Sender> key_by;
  if (!facts.from_fields.empty()) key_by = dkim::parse_sender(mail::unfold(facts.from_fields[0]));
  if (key_by) {
    facts.key_field = "From";
    facts.key_local_part = key_by->local;
    facts.key_domain = key_by->domain;
  }
  const FromDecision d = decide_from(policy, facts, oracle);
  const bool checked = checks_client(policy.variant, !facts.login.empty());
  const FromAction configured = facts.login.empty() ? policy.no_login_mismatch : policy.login_mismatch;
  if (d.verdict != FromVerdict::owned && configured != FromAction::sign && d.action == FromAction::sign)
    std::abort();  // an enforcing policy signed a header it refused
  if (d.verdict == FromVerdict::owned && checked) {
    if (facts.from_fields.size() != 1 || facts.sender_fields.size() > 1) std::abort();
    if (!all_owned(policy, facts.login, facts.from_fields) || !all_owned(policy, facts.login, facts.sender_fields))
      std::abort();  // signed for the wrong owner
    if (key_by) {
      const auto key = lookup_address(key_by->local, key_by->domain);
      if (!key) std::abort();
      bool seen = false;
      for (const std::string& a : d.addresses) seen = seen || iequals(a, *key);
      if (!seen) std::abort();  // the signing key is chosen by an unchecked address
      if (!owned_by(policy, facts.login, *key)) std::abort();
    }
  }
  if (d.action == FromAction::reject || d.action == FromAction::tempfail) {
    if (d.code.empty() || d.text.empty()) std::abort();
    for (const char c : d.text)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
  }
  return 0;
}
