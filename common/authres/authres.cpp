// SPDX-License-Identifier: BSD-2-Clause
//
// common/authres/authres.cpp: see authres.hpp. A hand-written scanner over RFC 8601 s2.2.
#include "common/authres/authres.hpp"

#include "common/authres/lexer.hpp"
#include "common/base/strings.hpp"
#include "common/mail/address.hpp"

namespace cachet::authres {
namespace {

struct ResultSet {
  std::string_view method;
  std::initializer_list<std::string_view> results;
};

// RFC 8601 s2.7 and the IANA "Email Authentication Result Names" registry.
const ResultSet kResultSets[] = {
    {"dkim", {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"}},
    {"spf", {"none", "pass", "fail", "softfail", "neutral", "temperror", "permerror", "policy", "hardfail"}},
    {"dmarc", {"none", "pass", "fail", "temperror", "permerror"}},
    {"arc", {"none", "pass", "fail"}},
    {"iprev", {"pass", "fail", "temperror", "permerror"}},
    {"auth", {"none", "pass", "fail", "temperror", "permerror"}},
};

// ptype and name are lower-case keywords here: plain comparisons do.
bool is_domain_property(const Property& p) {
  if (p.ptype == "header") return p.name == "d" || p.name == "i" || p.name == "from";
  return p.ptype == "smtp" && (p.name == "mailfrom" || p.name == "helo");
}

// "[local-part] @ domain" or "domain": the domain must be LDH (CVE-2020-12272).
bool has_ldh_domain(std::string_view value) {
  const auto at = value.rfind('@');
  const std::string_view domain = at == std::string_view::npos ? value : value.substr(at + 1);
  return mail::is_ldh_domain(domain);
}

// Parses the rest of a property after its ptype into p (ptype already set).
Result<void> parse_property(Lexer& lx, Property& p) {
  lx.skip_cfws();
  if (!lx.eat('.')) return lx.error("expected '.' after ptype");
  lx.skip_cfws();
  append_lower(p.name, lx.keyword());  // p.name is empty: the lower-cased keyword
  if (p.name.empty()) return lx.error("expected property name");
  lx.skip_cfws();
  if (!lx.eat('=')) return lx.error("expected '=' after property");
  lx.skip_cfws();
  auto v = lx.pvalue();
  if (!v) return fail(v.error().code, v.error().detail);
  p.value = std::move(*v);
  if (lx.peek() == '(') return lx.error("comment glued to a property value");
  if (!lx.skip_cfws(&p.comment)) return lx.error("unterminated comment");
  if (is_domain_property(p) && !has_ldh_domain(p.value)) {
    return lx.error("not an LDH domain in " + p.ptype + "." + p.name);
  }
  return {};
}

// Parses one resinfo into m (built in place: no moves of its strings).
Result<void> parse_resinfo(Lexer& lx, MethodResult& m) {
  append_lower(m.method, lx.keyword());  // m is fresh: the lower-cased keyword
  if (m.method.empty()) return lx.error("expected method");
  lx.skip_cfws();
  if (lx.eat('/')) {
    lx.skip_cfws();
    m.version = lx.digits();
    if (m.version.empty()) return lx.error("expected method version");
    lx.skip_cfws();
  }
  if (!lx.eat('=')) return lx.error("expected '=' after method");
  lx.skip_cfws();
  append_lower(m.result, lx.keyword());
  if (m.result.empty()) return lx.error("expected result");
  if (!is_valid_result(m.method, m.result)) return lx.error("invalid result for " + m.method);
  if (!lx.skip_cfws(&m.comment)) return lx.error("unterminated comment");
  while (!lx.at_end() && lx.peek() != ';') {
    const std::string_view key = lx.keyword();
    if (key.empty()) return lx.error("expected reason or property");
    lx.skip_cfws();
    if (iequals(key, "reason") && lx.peek() == '=') {
      lx.eat('=');
      lx.skip_cfws();
      auto v = lx.value();
      if (!v) return fail(v.error().code, v.error().detail);
      m.reason = std::move(*v);
      if (!lx.skip_cfws()) return lx.error("unterminated comment");
      continue;
    }
    // Most results carry a few properties (dkim: d, i, s, b): one allocation for them.
    if (m.properties.empty()) m.properties.reserve(4);
    Property& p = m.properties.emplace_back();
    append_lower(p.ptype, key);
    if (auto r = parse_property(lx, p); !r) return fail(r.error().code, r.error().detail);
    if (m.properties.size() > kMaxProperties) return lx.error("too many properties");
  }
  return {};
}

}  // namespace

bool Property::is(std::string_view t, std::string_view n) const noexcept {
  return iequals(ptype, t) && iequals(name, n);
}

const Property* MethodResult::find(std::string_view ptype, std::string_view name) const noexcept {
  for (const auto& p : properties) {
    if (p.is(ptype, name)) return &p;
  }
  return nullptr;
}

bool is_valid_result(std::string_view method, std::string_view result) noexcept {
  for (const auto& set : kResultSets) {
    if (set.method.size() != method.size() || !iequals(set.method, method)) continue;
    for (const auto r : set.results) {
      if (r.size() == result.size() && iequals(r, result)) return true;
    }
    return false;
  }
  return true;
}

std::string claimed_authserv_id(std::string_view value) {
  Lexer lx(value, kMaxCommentDepth);
  if (!lx.skip_cfws()) return {};
  auto id = lx.value(/*allow_slash=*/true);
  return id ? to_lower(*id) : std::string();
}

Result<AuthResults> parse_authentication_results(std::string_view value) {
  if (value.size() > kMaxHeaderValueBytes) return fail(Errc::bad_input, "A-R too long");
  if (value.find('\0') != std::string_view::npos) return fail(Errc::bad_input, "NUL in A-R");
  Lexer lx(value, kMaxCommentDepth);
  AuthResults ar;
  if (!lx.skip_cfws()) return lx.error("unterminated comment");
  auto id = lx.value(/*allow_slash=*/true);
  if (!id || id->empty()) return lx.error("missing authserv-id");
  ar.authserv_id = std::move(*id);
  if (!lx.skip_cfws()) return lx.error("unterminated comment");
  if (const std::string_view v = lx.digits(); !v.empty()) {
    const auto n = parse_uint(v);
    if (!n || *n > 1000000) return lx.error("bad version");
    ar.version = static_cast<unsigned>(*n);
    if (!lx.skip_cfws()) return lx.error("unterminated comment");
  }
  if (!lx.eat(';')) return lx.error("expected ';' after authserv-id");
  if (!lx.skip_cfws()) return lx.error("unterminated comment");
  if (lx.at_keyword("none")) {
    if (!lx.skip_cfws(&ar.none_comment)) return lx.error("unterminated comment");
    if (!lx.at_end()) return lx.error("text after none");
    return ar;
  }
  ar.results.reserve(4);  // spf, dkim, dmarc, arc: one allocation for the usual field
  while (true) {
    if (auto r = parse_resinfo(lx, ar.results.emplace_back()); !r) return fail(r.error().code, r.error().detail);
    if (ar.results.size() > kMaxResults) return lx.error("too many results");
    if (lx.at_end()) break;
    lx.eat(';');
    if (!lx.skip_cfws()) return lx.error("unterminated comment");
    if (lx.at_end()) break;  // a trailing ';' is tolerated
  }
  return ar;
}

std::string format_authentication_results(const AuthResults& ar) {
  std::string out;
  out.reserve(128);  // one allocation for a usual field
  append_quoted_if_needed(out, ar.authserv_id, /*allow_slash=*/true);
  if (ar.version) {
    out += ' ';
    out += std::to_string(*ar.version);
  }
  auto comment = [&out](const std::string& text) {
    if (text.empty()) return;
    out += " (";
    append_escaped_comment(out, text);
    out += ')';
  };
  if (ar.results.empty()) {
    out += "; none";
    comment(ar.none_comment);
    return out;
  }
  for (const auto& m : ar.results) {
    out += "; ";
    out += m.method;
    if (!m.version.empty()) {
      out += '/';
      out += m.version;
    }
    out += '=';
    out += m.result;
    comment(m.comment);
    if (!m.reason.empty()) {
      out += " reason=";
      append_quoted(out, m.reason);
    }
    for (const auto& p : m.properties) {
      out += ' ';
      out += p.ptype;
      out += '.';
      out += p.name;
      out += '=';
      append_quoted_if_needed(out, p.value, /*allow_slash=*/false, /*allow_at=*/true);
      comment(p.comment);
    }
  }
  return out;
}

}  // namespace cachet::authres
