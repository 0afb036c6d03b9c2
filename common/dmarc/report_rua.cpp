// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_rua.cpp: see report_rua.hpp.
#include "common/dmarc/report_rua.hpp"

#include "common/base/strings.hpp"
#include "common/dns/name.hpp"

namespace cachet::dmarc {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 percent-decoding; nullopt for a malformed escape or a decoded byte that has
// no business in an address (controls, space, 8-bit).
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return std::nullopt;
    out += c;
  }
  return out;
}

Unexpected<Error> bad(std::string_view why) { return fail(Errc::bad_input, std::string(why)); }

}  // namespace

Result<RuaTarget> parse_rua_target(std::string_view entry) {
  const auto uri = parse_report_uri(entry);
  if (!uri) return bad("not a DMARC URI");
  if (!istarts_with(uri->uri, "mailto:")) return bad("scheme not supported (mailto: only)");
  std::string_view rest = std::string_view(uri->uri).substr(7);
  rest = rest.substr(0, rest.find('?'));  // RFC 6068 hfields: never a second recipient for us
  const auto addr = percent_decode(rest);
  if (!addr) return bad("bad character or %-escape in the address");
  if (addr->size() > kMaxMailtoAddressBytes) return bad("address too long");
  const auto at = addr->rfind('@');
  if (at == std::string::npos || at == 0) return bad("no local part or no '@'");
  const std::string_view local = std::string_view(*addr).substr(0, at);
  for (const char c : local)
    if (c == '"' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == ':' || c == '\\' ||
        c == '[' || c == ']' || c == '@')
      return bad("local part is not a dot-atom");
  auto domain = dns::normalize_name(std::string_view(*addr).substr(at + 1));
  // A mail domain is a host name (RFC 5321 s4.1.2: letters, digits, hyphens): no specials
  // such as '>' or ':' that would end the address in a header (found by fuzz_report_rua).
  if (!domain || domain->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos)
    return bad("bad domain");
  RuaTarget t;
  t.uri = uri->uri;
  t.domain = *domain;
  t.address = std::string(local) + "@" + *domain;
  t.max_bytes = uri->max_bytes;
  return t;
}

RuaList parse_rua_list(std::string_view stored) {
  RuaList out;
  if (stored.size() > kMaxRuaListBytes) {
    out.rejected.push_back("rua list of " + std::to_string(stored.size()) + " bytes: too long");
    stored = stored.substr(0, kMaxRuaListBytes);
  }
  std::size_t entries = 0;
  for (std::string_view entry : split(stored, ' ')) {
    entry = trim(entry);
    if (entry.empty()) continue;
    if (++entries > kMaxRuaTargets) {
      out.rejected.push_back(std::string(entry) + ": too many rua URIs (more than " + std::to_string(kMaxRuaTargets) +
                             ")");
      continue;
    }
    auto t = parse_rua_target(entry);
    if (!t) {
      out.rejected.push_back(std::string(entry) + ": " + t.error().detail);
      continue;
    }
    bool seen = false;
    for (const RuaTarget& have : out.targets) seen = seen || iequals(have.address, t->address);
    if (!seen) out.targets.push_back(std::move(*t));
  }
  return out;
}

bool fits_size_limit(std::uint64_t bytes, const RuaTarget& t) noexcept { return !t.max_bytes || bytes <= *t.max_bytes; }

std::string report_auth_name(std::string_view policy_domain, std::string_view target_domain) {
  return std::string(policy_domain) + "._report._dmarc." + std::string(target_domain);
}

const char* to_string(ReportAuth a) noexcept {
  switch (a) {
    case ReportAuth::same_org: return "same-org";
    case ReportAuth::authorized: return "authorized";
    case ReportAuth::not_authorized: return "not-authorized";
    case ReportAuth::try_later: return "try-later";
  }
  return "?";
}

ReportAuth classify_report_auth(const dns::Answer& answer) {
  if (dns::is_temporary(answer.status)) return ReportAuth::try_later;
  if (answer.status != dns::Status::answer) return ReportAuth::not_authorized;
  for (const dns::Record& r : answer.records)
    if (r.type == dns::RrType::txt && is_dmarc_record(r.value)) return ReportAuth::authorized;
  return ReportAuth::not_authorized;
}

ReportAuth authorize_target(std::string_view policy_domain, const RuaTarget& target, const OrgDomainFinder& orgs,
                            dns::Resolver& resolver) {
  // The policy domain itself or a name under it shares its organizational domain: no
  // lookup (and no DNS failure) can change that.
  const std::string policy = to_lower(policy_domain);
  if (target.domain == policy || (target.domain.size() > policy.size() && target.domain.ends_with("." + policy)))
    return ReportAuth::same_org;
  const auto policy_org = orgs.organizational_domain(policy);
  const auto target_org = orgs.organizational_domain(target.domain);
  if (!policy_org || !target_org) return ReportAuth::try_later;
  if (iequals(*policy_org, *target_org)) return ReportAuth::same_org;
  return classify_report_auth(
      resolver.query(report_auth_name(to_lower(policy_domain), target.domain), dns::RrType::txt));
}

}  // namespace cachet::dmarc
