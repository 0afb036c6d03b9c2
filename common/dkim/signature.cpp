// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/signature.cpp: see signature.hpp.
#include "common/dkim/signature.hpp"

#include "common/base/base64.hpp"
#include "common/base/strings.hpp"
#include "common/mail/tag_list.hpp"

namespace cachet::dkim {
namespace {

bool is_ldh(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// Selectors are sub-domains too (s3.1); '_' is tolerated because real selectors use it.
bool is_valid_selector(std::string_view s) noexcept {
  if (s.empty() || s.size() > kMaxDomainBytes) return false;
  for (const auto label : split(s, '.')) {
    if (label.empty() || label.size() > 63) return false;
    for (const char c : label) {
      if (!is_ldh(c) && c != '_') return false;
    }
  }
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// dkim-quoted-printable (s2.11): "=XX" hex escapes; FWS is ignored.
std::optional<std::string> decode_dkim_qp(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c != '=') {
      out += c;
      continue;
    }
    if (i + 2 >= v.size()) return std::nullopt;
    const int hi = hex_value(v[i + 1]);
    const int lo = hex_value(v[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Unexpected<Error> bad(std::string reason) { return fail(Errc::permanent, std::move(reason)); }

std::optional<Canon> parse_canon_word(std::string_view w) {
  if (w == "simple") return Canon::simple;
  if (w == "relaxed") return Canon::relaxed;
  return std::nullopt;
}

Result<void> parse_canon(std::string_view c, Signature& sig) {
  const std::size_t slash = c.find('/');
  const auto head = parse_canon_word(c.substr(0, slash));
  std::optional<Canon> body = Canon::simple;  // "c=relaxed" means relaxed/simple (s3.5)
  if (slash != std::string_view::npos) body = parse_canon_word(c.substr(slash + 1));
  if (!head || !body) return bad("unsupported canonicalization c=" + std::string(c));
  sig.header_canon = *head;
  sig.body_canon = *body;
  return {};
}

Result<std::optional<std::uint64_t>> parse_number(const mail::TagList& tags, const char* name) {
  const auto* t = tags.find(name);
  if (t == nullptr) return std::optional<std::uint64_t>{};
  const auto n = parse_uint(t->value);
  if (!n) return bad(std::string("bad number in ") + name + "=");
  return std::optional<std::uint64_t>(*n);
}

Result<void> parse_identity(std::string_view raw, Signature& sig) {
  auto decoded = decode_dkim_qp(raw);
  if (!decoded) return bad("bad quoted-printable in i=");
  const std::size_t at = decoded->rfind('@');
  if (at == std::string::npos) return bad("i= has no '@'");
  const std::string_view idom = std::string_view(*decoded).substr(at + 1);
  // s3.5 i=: the domain part MUST be the same as, or a subdomain of, d=.
  if (!is_same_or_subdomain(idom, sig.domain)) return bad("i= domain is not d= or a subdomain of it");
  if (!is_ldh_domain(idom)) return bad("i= domain has invalid characters");
  sig.identity = std::move(*decoded);
  return {};
}

Result<void> check_required(const mail::TagList& tags) {
  static constexpr const char* kRequired[] = {"v", "a", "b", "bh", "d", "h", "s"};
  for (const char* name : kRequired) {
    if (tags.find(name) == nullptr) return bad(std::string("missing required tag ") + name + "=");
  }
  if (tags.find("v")->value != "1") return bad("unsupported version v=" + tags.find("v")->value);
  return {};
}

Result<void> parse_header_list(std::string_view h, Signature& sig) {
  bool has_from = false;
  for (const auto item : split(h, ':')) {
    const std::string_view name = trim(item);
    if (name.empty()) return bad("empty name in h=");
    if (sig.signed_headers.size() >= kMaxSignedHeaders) return bad("too many names in h=");
    if (iequals(name, "from")) has_from = true;
    sig.signed_headers.emplace_back(name);
  }
  if (!has_from) return bad("From is not signed (h= lacks From)");
  return {};
}

}  // namespace

const char* to_string(Algorithm a) noexcept {
  switch (a) {
    case Algorithm::rsa_sha1: return "rsa-sha1";
    case Algorithm::rsa_sha256: return "rsa-sha256";
    case Algorithm::ed25519_sha256: return "ed25519-sha256";
  }
  return "?";
}

std::optional<Algorithm> parse_algorithm(std::string_view text) noexcept {
  if (text == "rsa-sha256") return Algorithm::rsa_sha256;
  if (text == "ed25519-sha256") return Algorithm::ed25519_sha256;
  if (text == "rsa-sha1") return Algorithm::rsa_sha1;
  return std::nullopt;
}

crypto::HashAlg hash_of(Algorithm a) noexcept {
  return a == Algorithm::rsa_sha1 ? crypto::HashAlg::sha1 : crypto::HashAlg::sha256;
}

crypto::KeyType key_type_of(Algorithm a) noexcept {
  return a == Algorithm::ed25519_sha256 ? crypto::KeyType::ed25519 : crypto::KeyType::rsa;
}

bool is_ldh_domain(std::string_view d) noexcept {
  if (d.empty() || d.size() > kMaxDomainBytes) return false;
  for (const auto label : split(d, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (!is_ldh(c)) return false;
    }
  }
  return true;
}

bool is_same_or_subdomain(std::string_view sub, std::string_view domain) noexcept {
  if (iequals(sub, domain)) return true;
  return sub.size() > domain.size() + 1 && sub[sub.size() - domain.size() - 1] == '.' &&
         iequals(sub.substr(sub.size() - domain.size()), domain);
}

Result<Signature> parse_signature(std::string_view value) {
  auto tags = mail::parse_tag_list(value);
  if (!tags) return bad("signature syntax: " + tags.error().detail);
  if (auto r = check_required(*tags); !r) return bad(r.error().detail);
  Signature sig;
  const auto alg = parse_algorithm(tags->find("a")->value);
  if (!alg) return bad("unsupported algorithm a=" + tags->find("a")->value);
  sig.algorithm = *alg;
  sig.b = strip_whitespace(tags->find("b")->value);
  sig.bh = strip_whitespace(tags->find("bh")->value);
  if (!base64_decode(sig.b) || sig.b.empty()) return bad("b= is not base64");
  if (!base64_decode(sig.bh) || sig.bh.empty()) return bad("bh= is not base64");
  sig.domain = tags->find("d")->value;
  if (!is_ldh_domain(sig.domain)) return bad("d= is not a valid domain name");
  sig.selector = tags->find("s")->value;
  if (!is_valid_selector(sig.selector)) return bad("s= is not a valid selector");
  if (const auto* c = tags->find("c")) {
    if (auto r = parse_canon(c->value, sig); !r) return bad(r.error().detail);
  }
  if (auto r = parse_header_list(tags->find("h")->value, sig); !r) return bad(r.error().detail);
  if (const auto* q = tags->find("q")) {
    sig.query_methods = q->value;
    bool has_dns = false;
    for (const auto m : split(q->value, ':')) has_dns = has_dns || trim(m) == "dns/txt";
    if (!has_dns) return bad("unsupported query method q=" + q->value);
  }
  if (const auto* i = tags->find("i")) {
    if (auto r = parse_identity(i->value, sig); !r) return bad(r.error().detail);
  }
  auto l = parse_number(*tags, "l");
  auto t = parse_number(*tags, "t");
  auto x = parse_number(*tags, "x");
  if (!l || !t || !x) return bad(!l ? l.error().detail : !t ? t.error().detail : x.error().detail);
  sig.body_length = *l;
  sig.timestamp = *t;
  sig.expiry = *x;
  if (sig.timestamp && sig.expiry && *sig.expiry < *sig.timestamp) return bad("x= is before t=");
  if (const auto* z = tags->find("z")) sig.copied_headers = z->value;
  return sig;
}

std::string strip_b_value(std::string_view value) {
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t i = pos;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' || value[i] == '\n')) {
      ++i;
    }
    const std::size_t name_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';' && value[i] != ' ' && value[i] != '\t' &&
           value[i] != '\r' && value[i] != '\n') {
      ++i;
    }
    const std::string_view name = value.substr(name_start, i - name_start);
    const std::size_t end = value.find(';', i);
    if (name == "b") {
      const std::size_t eq = value.find('=', i);
      if (eq != std::string_view::npos && (end == std::string_view::npos || eq < end)) {
        std::string out(value.substr(0, eq + 1));
        if (end != std::string_view::npos) out.append(value.substr(end));
        return out;
      }
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return std::string(value);
}

}  // namespace cachet::dkim
