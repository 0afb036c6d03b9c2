// SPDX-License-Identifier: BSD-2-Clause
// common/sender/from_login.cpp: the header From/Sender ownership decision (from_login.hpp).
#include "common/sender/from_login.hpp"

#include <algorithm>
#include <utility>

#include "common/base/strings.hpp"
#include "common/mail/address.hpp"

namespace cachet::sender {
namespace {

struct Checked {
  std::string field;
  std::string address;
};

// A verdict against the header: the policy's action for this class of client, and the
// reply for reject.
FromDecision mismatch(FromAction action, FromVerdict verdict, std::string field, std::string address,
                      std::string reason) {
  FromDecision d;
  d.action = action;
  d.verdict = verdict;
  d.field = std::move(field);
  d.address = std::move(address);
  d.why = std::move(reason);
  if (action == FromAction::reject) {
    d.code = "550";
    d.xcode = "5.7.1";
    d.text = d.address.empty()
                 ? "header " + d.field + " field rejected: " + reply_safe(d.why)
                 : "<" + reply_safe(d.address) + ">: header " + d.field + " address rejected: " + reply_safe(d.why);
  }
  return d;
}

// login_check's lookup failure action ("451 4.3.0 Temporary lookup failure") as a reply.
void set_reply_from_action(FromDecision& d, std::string_view action) {
  const std::size_t a = action.find(' ');
  const std::size_t b = a == std::string_view::npos ? a : action.find(' ', a + 1);
  if (b == std::string_view::npos) {
    d.code = "451";
    d.xcode = "4.3.5";
    d.text = "Server configuration error";
    return;
  }
  d.code = std::string(action.substr(0, a));
  d.xcode = std::string(action.substr(a + 1, b - a - 1));
  d.text = std::string(action.substr(b + 1));
}

// Every mailbox of the fields, or the malformed verdict's reason in `why`.
bool collect(std::string_view field, const std::vector<std::string_view>& values, std::vector<Checked>& out,
             std::string& why) {
  for (const std::string_view v : values) {
    auto boxes = mail::parse_from_mailboxes(v);
    if (!boxes) {
      why = std::string(field) + " field cannot be parsed: " + boxes.error().detail;
      return false;
    }
    for (const mail::Mailbox& m : *boxes) {
      auto address = lookup_address(m.local_part, m.domain);
      if (!address) {
        why = std::string(field) + " field has a mailbox without a local part";
        return false;
      }
      const bool seen = std::any_of(out.begin(), out.end(), [&](const Checked& c) { return c.address == *address; });
      if (!seen) out.push_back(Checked{std::string(field), std::move(*address)});
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(FromAction a) noexcept {
  switch (a) {
    case FromAction::sign: return "sign";
    case FromAction::nosign: return "nosign";
    case FromAction::reject: return "reject";
    case FromAction::tempfail: return "tempfail";
  }
  return "tempfail";
}

std::optional<FromAction> parse_from_action(std::string_view word) noexcept {
  word = trim(word);
  if (iequals(word, "sign")) return FromAction::sign;
  if (iequals(word, "nosign")) return FromAction::nosign;
  if (iequals(word, "reject")) return FromAction::reject;
  return std::nullopt;
}

std::string_view to_string(FromVerdict v) noexcept {
  switch (v) {
    case FromVerdict::owned: return "owned";
    case FromVerdict::not_owned: return "not_owned";
    case FromVerdict::not_logged_in: return "not_logged_in";
    case FromVerdict::malformed: return "malformed";
    case FromVerdict::lookup_failed: return "lookup_failed";
  }
  return "lookup_failed";
}

std::optional<std::string> lookup_address(std::string_view local_part, std::string_view domain) {
  std::string local;
  if (local_part.size() >= 2 && local_part.front() == '"' && local_part.back() == '"') {
    const std::string_view inner = local_part.substr(1, local_part.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '\\' && i + 1 < inner.size()) ++i;  // quoted-pair
      local.push_back(inner[i]);
    }
  } else {
    local = std::string(local_part);
  }
  if (local.empty() || domain.empty()) return std::nullopt;
  return local + "@" + std::string(domain);
}

FromDecision decide_from(const FromPolicy& policy, const HeaderFacts& facts, const OwnerLookup& lookup) {
  const bool logged_in = !facts.login.empty();
  FromDecision owned;
  if (!checks_client(policy.variant, logged_in)) {
    owned.why = logged_in ? "authenticated, not checked" : "unauthenticated, not checked";
    return owned;
  }
  const FromAction on_mismatch = logged_in ? policy.login_mismatch : policy.no_login_mismatch;
  auto malformed = [&](std::string field, std::string why) {
    return mismatch(on_mismatch, FromVerdict::malformed, std::move(field), "", std::move(why));
  };
  if (facts.from_fields.empty()) return malformed("From", "no From field");
  if (facts.from_fields.size() > 1) return malformed("From", "more than one From field");
  if (facts.sender_fields.size() > 1) return malformed("Sender", "more than one Sender field");
  std::vector<Checked> checked;
  std::string why;
  if (!collect("From", facts.from_fields, checked, why)) return malformed("From", why);
  if (!collect("Sender", facts.sender_fields, checked, why)) return malformed("Sender", why);
  if (!facts.key_domain.empty()) {
    const std::string field = facts.key_field.empty() ? "From" : std::string(facts.key_field);
    auto key = lookup_address(facts.key_local_part, facts.key_domain);
    if (!key) return malformed(field, field + " field: the signing address has no local part");
    const bool seen =
        std::any_of(checked.begin(), checked.end(), [&](const Checked& c) { return iequals(c.address, *key); });
    if (!seen) checked.push_back(Checked{field, std::move(*key)});
  }
  for (const Checked& c : checked) owned.addresses.push_back(c.address);
  for (const Checked& c : checked) {
    const Decision d = decide(policy.variant, TableErrorAction::defer, LoginFacts{c.address, facts.login}, lookup);
    FromDecision out;
    switch (d.verdict) {
      case Verdict::allowed: continue;
      case Verdict::not_owned:
        out = mismatch(on_mismatch, FromVerdict::not_owned, c.field, c.address,
                       "not owned by user " + std::string(facts.login));
        break;
      case Verdict::not_logged_in:
        out = mismatch(on_mismatch, FromVerdict::not_logged_in, c.field, c.address, "not logged in");
        break;
      case Verdict::lookup_failed:
        out = mismatch(on_mismatch == FromAction::reject ? FromAction::tempfail : on_mismatch,
                       FromVerdict::lookup_failed, c.field, c.address, "lookup failed: " + d.why);
        if (out.action == FromAction::tempfail) set_reply_from_action(out, d.action);
        break;
    }
    out.rule = d.rule;
    out.owners = d.owners;
    out.rule_text = d.rule_text;
    out.addresses = std::move(owned.addresses);
    return out;
  }
  owned.why = checked.empty() ? "no mailbox" : "owner";
  return owned;
}

}  // namespace cachet::sender
