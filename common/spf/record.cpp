// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/record.cpp: RFC 7208 s12 ABNF checks. Each helper returns an empty string on
// success or a short reason; the public functions wrap that into Result.
#include "common/spf/record.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>

#include "common/base/strings.hpp"

namespace cachet::spf {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }

// RFC 7208 s7.1 macro-letter; c, r and t are explanation-only (s7.2).
bool is_macro_letter(char c, bool in_exp) noexcept {
  switch (ascii_lower(c)) {
    case 's':
    case 'l':
    case 'o':
    case 'd':
    case 'i':
    case 'p':
    case 'h':
    case 'v': return true;
    case 'c':
    case 'r':
    case 't': return in_exp;
    default: return false;
  }
}

bool is_delimiter(char c) noexcept {
  switch (c) {
    case '.':
    case '-':
    case '+':
    case ',':
    case '/':
    case '_':
    case '=': return true;
    default: return false;
  }
}

// Checks a macro-string (s7.1). allow_space: explanation text (s6.2 explain-string).
// On success *ends_with_expand tells whether the last element was a macro-expand and
// *tail_start where the final run of literal characters begins.
std::string check_macro_string(std::string_view s, bool in_exp, bool allow_space, bool* ends_with_expand,
                               std::size_t* tail_start) {
  bool last_expand = false;
  std::size_t tail = 0;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == ' ' && allow_space) {
      last_expand = false;
      tail = ++i;
      continue;
    }
    if (c < 0x21 || c > 0x7e) return "character outside visible ASCII";
    if (c != '%') {
      if (last_expand) tail = i;
      last_expand = false;
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return "'%' at end of macro-string";
    const char n = s[i + 1];
    if (n == '%' || n == '_' || n == '-') {
      last_expand = true;
      i += 2;
      tail = i;
      continue;
    }
    if (n != '{') return "'%' not followed by '{', '%', '_' or '-'";
    std::size_t j = i + 2;
    if (j >= s.size() || !is_macro_letter(s[j], in_exp)) return "invalid macro letter";
    ++j;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j < s.size() && (s[j] == 'r' || s[j] == 'R')) ++j;
    while (j < s.size() && is_delimiter(s[j])) ++j;
    if (j >= s.size() || s[j] != '}') return "malformed macro-expand";
    i = j + 1;
    tail = i;
    last_expand = true;
  }
  *ends_with_expand = last_expand;
  *tail_start = tail;
  return {};
}

// RFC 7208 s7.1 toplabel: LDH, starts and ends alphanumeric, not all digits.
bool is_toplabel(std::string_view l) noexcept {
  if (l.empty() || !is_alnum(l.front()) || !is_alnum(l.back())) return false;
  bool has_alpha = false;
  bool has_hyphen = false;
  for (char c : l) {
    if (c == '-') {
      has_hyphen = true;
    } else if (is_alpha(c)) {
      has_alpha = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  return has_alpha || has_hyphen;
}

std::string check_domain_spec(std::string_view spec) {
  if (spec.empty()) return "empty domain-spec";
  bool ends_with_expand = false;
  std::size_t tail_start = 0;
  std::string why = check_macro_string(spec, false, false, &ends_with_expand, &tail_start);
  if (!why.empty()) return why;
  if (ends_with_expand) return {};
  // domain-end = "." toplabel [ "." ], inside the trailing literal run.
  std::string_view tail = spec.substr(tail_start);
  if (!tail.empty() && tail.back() == '.') tail.remove_suffix(1);
  const std::size_t dot = tail.rfind('.');
  if (dot == std::string_view::npos) return "domain-spec lacks '.' toplabel";
  if (!is_toplabel(tail.substr(dot + 1))) return "invalid top label in domain-spec";
  return {};
}

// "0" or a number without leading zeros, at most max.
std::optional<int> parse_cidr(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
  }
  const int v = static_cast<int>(parse_uint(digits).value_or(999));
  if (v > max) return std::nullopt;
  return v;
}

// Splits a trailing "/n" (want6=false) or "//n" (want6=true) off *arg; n <= max.
std::string take_cidr(std::string_view* arg, bool want6, int max, int* out) {
  const std::size_t slash = arg->rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string_view digits = arg->substr(slash + 1);
  if (digits.empty() || !is_digit(digits.front())) return {};  // not a cidr suffix
  const bool is6 = slash > 0 && (*arg)[slash - 1] == '/';
  if (is6 != want6) return {};
  const auto v = parse_cidr(digits, max);
  if (!v) return "invalid cidr length";
  *out = *v;
  arg->remove_suffix(arg->size() - slash + (is6 ? 1 : 0));
  return {};
}

// RFC 7208 s5.6 ip4-network: dotted quad, each qnum 0-255 without leading zeros.
bool is_ip4_network(std::string_view s) {
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = s.find('.');
    const bool last = i == 3;
    if (last != (dot == std::string_view::npos)) return false;
    if (!parse_cidr(s.substr(0, dot), 255)) return false;  // substr(0, npos): the rest
    if (!last) s.remove_prefix(dot + 1);
  }
  return true;
}

bool is_ip6_network(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  const std::string z(s);
  unsigned char buf[16];
  return inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

std::string parse_mechanism(std::string_view tok, Term* t) {
  if (!tok.empty() && (tok[0] == '+' || tok[0] == '-' || tok[0] == '~' || tok[0] == '?')) {
    t->qualifier = static_cast<Qualifier>(tok[0]);
    tok.remove_prefix(1);
  }
  const std::size_t end = tok.find_first_of(":/");
  const std::string name = to_lower(tok.substr(0, end));
  std::string_view arg = end == std::string_view::npos ? std::string_view{} : tok.substr(end);
  const bool has_colon = !arg.empty() && arg.front() == ':';
  if (name == "all") {
    t->kind = TermKind::all;
    return arg.empty() ? std::string{} : "'all' takes no argument";
  }
  if (name == "a" || name == "mx") {
    t->kind = name == "a" ? TermKind::a : TermKind::mx;
    std::string why = take_cidr(&arg, true, 128, &t->cidr6);
    if (why.empty()) why = take_cidr(&arg, false, 32, &t->cidr4);
    if (!why.empty()) return why;
    if (arg.empty()) return {};
    if (arg.front() != ':') return "malformed '" + name + "' mechanism";
    t->value = std::string(arg.substr(1));
    return check_domain_spec(arg.substr(1));
  }
  if (name == "ip4" || name == "ip6") {
    const bool v6 = name == "ip6";
    t->kind = v6 ? TermKind::ip6 : TermKind::ip4;
    if (!has_colon) return name + " requires a network";
    arg.remove_prefix(1);
    std::string why = take_cidr(&arg, false, v6 ? 128 : 32, v6 ? &t->cidr6 : &t->cidr4);
    if (!why.empty()) return why;
    if (v6 ? (t->cidr6 > 128) : (t->cidr4 > 32)) return "invalid cidr length";
    t->value = std::string(arg);
    if (v6 ? !is_ip6_network(arg) : !is_ip4_network(arg)) return "invalid " + name + " network";
    return {};
  }
  if (name == "ptr") {
    t->kind = TermKind::ptr;
    if (arg.empty()) return {};
    if (!has_colon) return "malformed 'ptr' mechanism";
    t->value = std::string(arg.substr(1));
    return check_domain_spec(arg.substr(1));
  }
  if (name == "include" || name == "exists") {
    t->kind = name == "include" ? TermKind::include : TermKind::exists;
    if (!has_colon) return name + " requires a domain-spec";
    t->value = std::string(arg.substr(1));
    return check_domain_spec(arg.substr(1));
  }
  return "unknown mechanism '" + std::string(tok.substr(0, end)) + "'";
}

bool is_modifier_name(std::string_view n) noexcept {
  if (n.empty() || !is_alpha(n.front())) return false;
  for (char c : n) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::string parse_modifier(std::string_view tok, std::size_t eq, Record* r, Term* t) {
  const std::string_view raw_name = tok.substr(0, eq);
  const std::string_view value = tok.substr(eq + 1);
  if (!is_modifier_name(raw_name)) return "invalid modifier name";
  t->name = to_lower(raw_name);
  t->value = std::string(value);
  const int index = static_cast<int>(r->terms.size());
  if (t->name == "redirect" || t->name == "exp") {
    int* slot = t->name == "redirect" ? &r->redirect_index : &r->exp_index;
    if (*slot >= 0) return "duplicate " + t->name + "= modifier";
    *slot = index;
    t->kind = t->name == "redirect" ? TermKind::redirect : TermKind::exp;
    return check_domain_spec(value);
  }
  t->kind = TermKind::unknown_modifier;
  bool ends = false;
  std::size_t tail = 0;
  return check_macro_string(value, false, false, &ends, &tail);
}

std::string check_record(std::string_view text, Record* r) {
  if (text.size() > kMaxRecordBytes) return "record too long";
  if (!is_spf1_record(text)) return "not an SPF version 1 record";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return "record contains non-ASCII or control characters";
  }
  const std::string_view body = text.substr(6);
  r->terms.reserve(static_cast<std::size_t>(std::count(body.begin(), body.end(), ' ')));
  for (std::size_t start = 0; start <= body.size();) {  // the terms, in place (no vector of views)
    std::size_t end = body.find(' ', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view tok = body.substr(start, end - start);
    start = end + 1;
    if (tok.empty()) continue;
    Term t{TermKind::all, Qualifier::pass, {}, {}, -1, -1};
    const std::size_t sep = tok.find_first_of(":/=");
    std::string why;
    if (sep != std::string_view::npos && tok[sep] == '=') {
      why = parse_modifier(tok, sep, r, &t);
    } else {
      why = parse_mechanism(tok, &t);
    }
    if (!why.empty()) return why + " in '" + std::string(tok) + "'";
    if (t.kind == TermKind::all) r->has_all = true;
    r->terms.push_back(std::move(t));
  }
  return {};
}

}  // namespace

bool is_spf1_record(std::string_view text) noexcept {
  if (text.size() < 6 || !iequals(text.substr(0, 6), "v=spf1")) return false;
  return text.size() == 6 || text[6] == ' ';
}

Result<Record> validate_spf_record(std::string_view text) {
  Record r;
  std::string why = check_record(text, &r);
  if (!why.empty()) return fail(Errc::permanent, std::move(why));
  return r;
}

Result<void> validate_explanation(std::string_view text) {
  bool ends = false;
  std::size_t tail = 0;
  std::string why = check_macro_string(text, true, true, &ends, &tail);
  if (!why.empty()) return fail(Errc::permanent, std::move(why));
  return {};
}

Result<void> validate_domain_spec(std::string_view spec) {
  std::string why = check_domain_spec(spec);
  if (!why.empty()) return fail(Errc::permanent, std::move(why));
  return {};
}

}  // namespace cachet::spf

namespace cachet::spf {
namespace {

// ABNF literals are case-insensitive, so "%{D2R}" is valid (RFC 7208 s7.1), but libspf2
// 1.2.10 refuses an upper-case "R" transformer: hand it the lower-case spelling.
std::string lower_reverse_transformers(std::string_view spec) {
  std::string out(spec);
  for (std::size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] == '%' && out[i + 1] == '%') {
      ++i;
      continue;
    }
    if (out[i] != '%' || out[i + 1] != '{') continue;
    std::size_t j = i + 3;  // past the macro letter
    while (j < out.size() && is_digit(out[j])) ++j;
    if (j < out.size() && out[j] == 'R') out[j] = 'r';
    i = j;
  }
  return out;
}

void append_mechanism(std::string* out, const Term& t, std::string_view body) {
  out->push_back(' ');
  out->push_back(static_cast<char>(t.qualifier));
  out->append(lower_reverse_transformers(body));
}

// a / mx: keep only the cidr length of the client's family (s5.3, s5.4).
void append_host_mechanism(std::string* out, const Term& t, bool v6, std::string_view zero) {
  const std::string_view name = t.kind == TermKind::a ? "a" : "mx";
  const int cidr = v6 ? t.cidr6 : t.cidr4;
  std::string body(name);
  if (cidr == 0) {
    body += ':';
    body += t.value.empty() ? std::string("%{d}") : t.value;
    // A trailing dot would leave an empty label before the suffix.
    if (body.back() == '.') body.pop_back();
    body += zero;
  } else {
    if (!t.value.empty()) body += ":" + t.value;
    if (cidr > 0) body += (v6 ? "//" : "/") + std::to_string(cidr);
  }
  append_mechanism(out, t, body);
}

// ip4/ip6: "/0" becomes the two "/1" halves of the address space.
void append_network(std::string* out, const Term& t, std::string_view prefix, int cidr, std::string_view low_half,
                    std::string_view high_half) {
  const std::string p(prefix);
  if (cidr == 0) {
    append_mechanism(out, t, p + std::string(low_half) + "/1");
    append_mechanism(out, t, p + std::string(high_half) + "/1");
    return;
  }
  append_mechanism(out, t, p + t.value + (cidr > 0 ? "/" + std::to_string(cidr) : ""));
}

}  // namespace

std::string libspf2_text(const Record& record, bool client_is_v6, std::string_view zero_cidr_suffix) {
  std::string out = "v=spf1";
  for (const Term& t : record.terms) {
    switch (t.kind) {
      case TermKind::all: append_mechanism(&out, t, "all"); break;
      case TermKind::include: append_mechanism(&out, t, "include:" + t.value); break;
      case TermKind::exists: append_mechanism(&out, t, "exists:" + t.value); break;
      case TermKind::ptr: append_mechanism(&out, t, t.value.empty() ? std::string("ptr") : "ptr:" + t.value); break;
      case TermKind::a:
      case TermKind::mx: append_host_mechanism(&out, t, client_is_v6, zero_cidr_suffix); break;
      case TermKind::ip4: append_network(&out, t, "ip4:", t.cidr4, "0.0.0.0", "128.0.0.0"); break;
      case TermKind::ip6: append_network(&out, t, "ip6:", t.cidr6, "::", "8000::"); break;
      case TermKind::redirect:
      case TermKind::exp:
      case TermKind::unknown_modifier: break;
    }
  }
  if (record.redirect_index >= 0 && !record.has_all) {
    out +=
        " redirect=" + lower_reverse_transformers(record.terms[static_cast<std::size_t>(record.redirect_index)].value);
  }
  if (record.exp_index >= 0) {
    out += " exp=" + lower_reverse_transformers(record.terms[static_cast<std::size_t>(record.exp_index)].value);
  }
  return out;
}

}  // namespace cachet::spf
