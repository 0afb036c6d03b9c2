// SPDX-License-Identifier: BSD-2-Clause
// common/sender/login_check.cpp: the sender-login decision (login_check.hpp).
#include "common/sender/login_check.hpp"

#include <array>

#include "common/base/strings.hpp"
#include "common/policy/reply.hpp"

namespace cachet::sender {
namespace {

constexpr std::array<std::string_view, 4> kPolicyNames = {
    "reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch",
    "reject_unauthenticated_sender_login_mismatch", "reject_known_sender_login_mismatch"};

bool is_owner_separator(char c) noexcept {
  return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

Decision allowed(std::string why) {
  Decision d;
  d.action = "DUNNO";
  d.why = std::move(why);
  return d;
}

Decision matched(Verdict v, std::string action, const Owners& o, std::string why) {
  Decision d;
  d.verdict = v;
  d.action = std::move(action);
  d.rule = o.rule;
  d.owners = o.owners;
  d.rule_text = o.text;
  d.why = std::move(why);
  return d;
}

Decision lookup_failed(TableErrorAction on_error, const Error& e) {
  // Postfix: reject_dict_retry → 451 4.3.0 "Temporary lookup failure"; any other table
  // error → 451 4.3.5 "Server configuration error".
  const bool temporary = e.code == Errc::temporary;
  const std::string text = std::string(temporary ? "4.3.0 " : "4.3.5 ") +
                           (temporary ? "Temporary lookup failure" : "Server configuration error");
  Decision d;
  d.verdict = Verdict::lookup_failed;
  d.action = on_error == TableErrorAction::defer ? "451 " + text : "DEFER_IF_PERMIT " + text;
  d.why = e.detail;
  return d;
}

}  // namespace

bool checks_client(MismatchPolicy p, bool logged_in) noexcept {
  return logged_in ? p != MismatchPolicy::unauthenticated : p != MismatchPolicy::authenticated;
}

std::string_view to_string(MismatchPolicy p) noexcept { return kPolicyNames[static_cast<std::size_t>(p)]; }

std::optional<MismatchPolicy> parse_mismatch_policy(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kPolicyNames.size(); ++i)
    if (iequals(trim(name), kPolicyNames[i])) return static_cast<MismatchPolicy>(i);
  return std::nullopt;
}

std::optional<TableErrorAction> parse_table_error_action(std::string_view word) noexcept {
  if (iequals(trim(word), "defer_if_permit")) return TableErrorAction::defer_if_permit;
  if (iequals(trim(word), "defer")) return TableErrorAction::defer;
  return std::nullopt;
}

std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::allowed: return "allowed";
    case Verdict::not_owned: return "not_owned";
    case Verdict::not_logged_in: return "not_logged_in";
    case Verdict::lookup_failed: return "lookup_failed";
  }
  return "lookup_failed";
}

bool is_owner(std::string_view owners, std::string_view login) noexcept {
  if (login.empty()) return false;
  std::size_t i = 0;
  while (i < owners.size()) {
    while (i < owners.size() && is_owner_separator(owners[i])) ++i;
    std::size_t j = i;
    while (j < owners.size() && !is_owner_separator(owners[j])) ++j;
    if (j > i && iequals(owners.substr(i, j - i), login)) return true;
    i = j;
  }
  return false;
}

std::string reply_safe(std::string_view text) {
  const bool utf8 = policy::is_valid_utf8(text);
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool bad = c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80);
    out.push_back(bad ? '?' : ch);
  }
  return out;
}

std::string client_reply(const Decision& d, std::string_view sender) {
  if (d.verdict == Verdict::allowed) return "";
  std::string_view action = d.action;
  std::string code;
  if (action.rfind("DEFER_IF_PERMIT ", 0) == 0) {
    code = "450";  // access_map_defer_code
    action.remove_prefix(16);
  } else {
    code = std::string(action.substr(0, 3));
    action.remove_prefix(4);
  }
  // action is now "x.y.z text": Postfix inserts "<sender>: Sender address rejected: ".
  const std::size_t sp = action.find(' ');
  return code + " " + std::string(action.substr(0, sp)) + " <" + reply_safe(sender) +
         ">: Sender address rejected: " + std::string(action.substr(sp + 1));
}

Decision decide(MismatchPolicy policy, TableErrorAction on_error, const LoginFacts& facts, const OwnerLookup& lookup) {
  if (facts.sender.empty()) return allowed("null sender");
  const bool logged_in = !facts.login.empty();
  if (!checks_client(policy, logged_in))
    return allowed(logged_in ? "authenticated, not checked" : "unauthenticated, not checked");
  auto found = lookup(facts.sender);
  if (!found) return lookup_failed(on_error, found.error());
  const std::vector<Owners>& sources = *found;
  if (!logged_in) {
    if (sources.empty()) return allowed("unauthenticated, not in map");
    return matched(Verdict::not_logged_in, "553 5.7.1 not logged in", sources[0],
                   "unauthenticated, address has owners");
  }
  if (sources.empty() && policy == MismatchPolicy::known) return allowed("not in map (known-only)");
  for (const Owners& o : sources)
    if (is_owner(o.owners, facts.login)) return matched(Verdict::allowed, "DUNNO", o, "owner");
  std::string action = "553 5.7.1 not owned by user " + reply_safe(facts.login);
  if (sources.empty()) return matched(Verdict::not_owned, std::move(action), Owners{}, "not in map");
  return matched(Verdict::not_owned, std::move(action), sources[0], "login not among owners");
}

}  // namespace cachet::sender
