// SPDX-License-Identifier: BSD-2-Clause
// common/dkim/policy.cpp: see policy.hpp.
#include "common/dkim/policy.hpp"

#include <algorithm>

#include "common/base/strings.hpp"
#include "common/dkim/signature.hpp"

namespace cachet::dkim {
namespace {

std::string strip_comments(std::string_view v) {
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (quoted) {
      if (c == '\\' && i + 1 < v.size())
        out += v[i++];
      else if (c == '"')
        quoted = false;
      out += c == '"' ? ' ' : c;
      continue;
    }
    if (c == '\\' && depth > 0) {
      ++i;
      continue;
    }
    if (c == '(') {
      ++depth;
      continue;
    }
    if (c == ')' && depth > 0) {
      --depth;
      continue;
    }
    if (depth > 0) continue;
    if (c == '"') {
      quoted = true;
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

bool macro_matches(const MacroRule& rule, const std::optional<std::string>& value) {
  if (!value || value->empty()) return false;
  if (rule.values.empty()) return true;
  return std::any_of(rule.values.begin(), rule.values.end(), [&](const std::string& v) { return iequals(v, *value); });
}

void add_request(const SigningPolicy& st, const Sender& s, std::string_view value, std::vector<SignRequest>& out,
                 std::size_t line) {
  const auto fields = split(value, ':');
  if (fields.empty()) return;
  const SigningKey* key = st.find_key(trim(fields[0]));
  if (!key) return;
  SignRequest r;
  r.key = key;
  r.table_line = line;
  r.domain = key->domain == "%" ? s.domain : to_lower(key->domain);
  if (fields.size() > 1) {
    std::string id(trim(value.substr(value.find(':') + 1)));
    if (istarts_with(id, "i=")) id.erase(0, 2);
    if (const auto pct = id.find('%'); pct != std::string::npos) id.replace(pct, 1, s.domain);
    r.identity = id;
  }
  for (const SignRequest& have : out)
    if (have.key == r.key && have.domain == r.domain) return;
  out.push_back(std::move(r));
}

// opendkim's SigningTable order for non-pattern data sets.
std::vector<std::string> lookup_keys(const Sender& s) {
  std::vector<std::string> keys;
  const std::string addr = s.local + "@" + s.domain;
  keys.push_back(addr);
  keys.push_back(s.domain);
  for (std::string_view d = s.domain;;) {
    keys.push_back(s.local + "@." + std::string(d));
    keys.push_back("." + std::string(d));
    const auto dot = d.find('.');
    if (dot == std::string_view::npos) break;
    d = d.substr(dot + 1);
  }
  keys.push_back(s.local + "@*");
  keys.push_back("*");
  return keys;
}

}  // namespace

const SigningKey* SigningPolicy::find_key(std::string_view name) const {
  for (const SigningKey& k : keys)
    if (iequals(k.name, name)) return &k;
  return nullptr;
}

std::optional<Sender> parse_sender(std::string_view value) {
  std::string v = strip_comments(value);
  const auto lt = v.rfind('<');
  if (lt != std::string::npos) {
    const auto gt = v.find('>', lt);
    if (gt == std::string::npos) return std::nullopt;
    v = v.substr(lt + 1, gt - lt - 1);
  }
  std::string_view addr = trim(v);
  const auto at = addr.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  Sender s;
  s.local = std::string(trim(addr.substr(0, at)));
  s.domain = to_lower(trim(addr.substr(at + 1)));
  if (s.local.find_first_of(" \t\r\n,<>") != std::string::npos) {
    // "a b@x" or a list: take the last word as the local part only if it is clean.
    const auto sp = s.local.find_last_of(" \t\r\n,<>");
    s.local = s.local.substr(sp + 1);
  }
  if (s.domain.empty() || !dkim::is_ldh_domain(s.domain)) return std::nullopt;
  return s;
}

std::string origin_of(const SigningPolicy& st, const ClientFacts& f) {
  if (f.is_internal) return "client in InternalHosts";
  if (f.auth_authen && !f.auth_authen->empty()) return "authenticated as " + *f.auth_authen;
  if (f.auth_type && !f.auth_type->empty()) return "authenticated (" + *f.auth_type + ")";
  if (f.daemon_name && !st.mta.empty() && st.mta.contains(*f.daemon_name)) return "MTA " + *f.daemon_name;
  for (std::size_t i = 0; i < st.macro_list.size() && i < f.macro_values.size(); ++i)
    if (macro_matches(st.macro_list[i], f.macro_values[i]))
      return "MacroList " + st.macro_list[i].name + "=" + f.macro_values[i].value_or("");
  return "";
}

bool is_originating(const SigningPolicy& st, const ClientFacts& f) { return !origin_of(st, f).empty(); }

std::vector<SignRequest> choose_keys(const SigningPolicy& st, const Sender& s) {
  std::vector<SignRequest> out;
  if (st.signing_table) {
    const config::Dataset& t = *st.signing_table;
    if (t.is_pattern_set()) {
      const std::string addr = s.local + "@" + s.domain;
      for (const auto& e : t.entries()) {
        if (!config::glob_match(e.key, addr)) continue;
        add_request(st, s, e.value, out, e.line);
        if (!st.multiple_signatures && !out.empty()) break;
      }
      return out;
    }
    for (const std::string& k : lookup_keys(s)) {
      for (const auto& e : t.entries()) {
        if (!iequals(e.key, k)) continue;
        add_request(st, s, e.value, out, e.line);
        if (!st.multiple_signatures && !out.empty()) return out;
      }
    }
    return out;
  }
  if (!st.single_key || st.keys.empty()) return out;
  for (const auto& e : st.domains.entries()) {
    const std::string d = to_lower(e.key);
    const bool hit = d == s.domain || d == "*" || (st.subdomains && dkim::is_same_or_subdomain(s.domain, d));
    if (!hit) continue;
    SignRequest r;
    r.key = &st.keys.front();
    r.domain = d == "*" || !st.subdomains ? s.domain : d;
    out.push_back(std::move(r));
    break;
  }
  return out;
}

Outcome outcome_for(const Actions& a, Situation s) {
  config::Action act = config::Action::accept;
  std::string text, reject_x = "5.7.0", temp_x = "4.7.0";
  switch (s) {
    case Situation::bad_signature:
      act = a.bad_signature;
      text = "bad DKIM signature data";
      break;
    case Situation::syntax_error:
      act = a.bad_signature;
      text = "DKIM signature syntax error";
      break;
    case Situation::no_signature:
      act = a.no_signature;
      text = "no DKIM signature data";
      break;
    case Situation::key_not_found:
      act = a.key_not_found;
      text = "DKIM key retrieval failed";
      temp_x = "4.7.5";
      break;
    case Situation::dns_error:
      act = a.dns_error;
      text = "DKIM key retrieval failed";
      temp_x = "4.7.5";
      break;
    case Situation::internal_error:
      act = a.internal_error;
      text = "internal DKIM error";
      break;
    case Situation::signature_error:
      act = a.signature_error;
      text = "DKIM signing error";
      break;
    case Situation::security:
      act = a.security;
      text = "DKIM signature processing failed";
      break;
  }
  Outcome o;
  o.action = act;
  if (act == config::Action::reject) {
    o.code = "550";
    o.xcode = reject_x;
    o.text = text;
  } else if (act == config::Action::tempfail) {
    o.code = "451";
    o.xcode = temp_x;
    o.text = text;
  }
  return o;
}

std::optional<Situation> classify(const std::vector<dkim::SignatureResult>& results) {
  if (results.empty()) return Situation::no_signature;
  bool dns = false, missing = false, syntax = false, unprotected = false, evaluated = false;
  for (const auto& r : results) {
    if (r.result == dkim::VerifyResult::neutral) continue;  // ignored by the prescreen
    evaluated = true;
    if (r.result == dkim::VerifyResult::pass) return std::nullopt;
    if (r.result == dkim::VerifyResult::fail && r.reason == dkim::kUnprotectedReason) unprotected = true;
    if (r.result == dkim::VerifyResult::temperror) dns = true;
    if (r.result == dkim::VerifyResult::permerror && r.reason == "no key for signature") missing = true;
    if (r.result == dkim::VerifyResult::permerror && r.domain.empty()) syntax = true;
  }
  // Every signature ignored: libopendkim says NOSIG at EOM, which mlfi_eom only records.
  if (!evaluated || unprotected) return std::nullopt;
  if (dns) return Situation::dns_error;
  if (missing) return Situation::key_not_found;
  if (syntax) return Situation::syntax_error;
  return Situation::bad_signature;
}

}  // namespace cachet::dkim
