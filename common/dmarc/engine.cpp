// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/engine.cpp: see engine.hpp.
#include "common/dmarc/engine.hpp"

#include "common/mail/address.hpp"

namespace cachet::dmarc {
namespace {

Result<std::string> org_domain_of(dns::Resolver& resolver, const std::string& domain, const EngineOptions& options) {
  if (options.mode == DiscoveryMode::tree_walk) {
    return TreeWalkOrgDomain(resolver).organizational_domain(domain);
  }
  if (options.psl == nullptr) return domain;
  return PslOrgDomain(*options.psl).organizational_domain(domain);
}

void take_lookup(AuthorPolicy& out, DmarcLookup&& l) {
  out.policy_domain = std::move(l.domain);
  out.detail = std::move(l.detail);
  switch (l.status) {
    case DmarcLookup::Status::record:
      out.status = AuthorPolicy::Status::found;
      out.record = std::move(l.record);
      break;
    case DmarcLookup::Status::invalid: out.status = AuthorPolicy::Status::invalid; break;
    case DmarcLookup::Status::temperror: out.status = AuthorPolicy::Status::temperror; break;
    case DmarcLookup::Status::no_record: out.status = AuthorPolicy::Status::not_found; break;
  }
}

// RFC 9091 s4 / DMARCbis: a name is non-existent when DNS says NXDOMAIN.
Existence probe_existence(dns::Resolver& resolver, const std::string& domain) {
  for (const auto type : {dns::RrType::a, dns::RrType::aaaa, dns::RrType::mx}) {
    const auto a = resolver.query(domain, type);
    if (a.status == dns::Status::nxdomain) return Existence::nonexistent;
    if (dns::is_temporary(a.status)) return Existence::unknown;
    if (a.status == dns::Status::answer) return Existence::exists;
  }
  return Existence::exists;  // NODATA for all three: the name exists
}

}  // namespace

AuthorPolicy discover_policy(dns::Resolver& resolver, const std::string& author_domain, const EngineOptions& options) {
  AuthorPolicy out;
  out.author_domain = author_domain;
  auto org = org_domain_of(resolver, author_domain, options);
  if (!org) {
    out.status = AuthorPolicy::Status::temperror;
    out.detail = org.error().detail;
    return out;
  }
  out.org_domain = std::move(*org);
  DmarcLookup l = lookup_dmarc(resolver, author_domain);
  if (l.status == DmarcLookup::Status::no_record) {
    if (options.mode == DiscoveryMode::tree_walk) {
      const auto names = tree_walk_names(author_domain);
      for (std::size_t i = 1; i < names.size(); ++i) {
        l = lookup_dmarc(resolver, names[i]);
        if (l.status != DmarcLookup::Status::no_record) break;
      }
    } else if (out.org_domain != author_domain) {
      l = lookup_dmarc(resolver, out.org_domain);
    }
  }
  take_lookup(out, std::move(l));
  if (out.status == AuthorPolicy::Status::found && out.author_domain != out.policy_domain &&
      out.author_domain != out.org_domain && out.record.np) {
    out.author_exists = probe_existence(resolver, author_domain);
  }
  return out;
}

std::vector<std::string> policy_record_names(const std::string& author_domain, const EngineOptions& options) {
  std::vector<std::string> names;
  names.reserve(2);
  names.push_back(dmarc_record_name(author_domain));
  // The tree walk's organizational domain takes DNS answers; without a list there is none.
  if (options.mode != DiscoveryMode::rfc7489_psl || options.psl == nullptr) return names;
  if (const auto org = PslOrgDomain(*options.psl).organizational_domain(author_domain); org && *org != author_domain)
    names.push_back(dmarc_record_name(*org));
  return names;
}

Verdict evaluate_message(dns::Resolver& resolver, const MessageAuth& auth, const EngineOptions& options,
                         unsigned sample) {
  Inputs in;
  in.sample = sample;
  for (const auto& d : auth.from_domains) in.authors.push_back(discover_policy(resolver, d, options));
  // Identifiers come from A-R fields and the envelope: normalise them here so that
  // "Example.COM." aligns with "example.com"; an unusable domain never aligns.
  auto identifier = [&](const std::string& raw) {
    auto domain = mail::normalize_domain(raw);
    if (!domain) return Identifier{};
    Identifier id{std::move(*domain), {}};
    // The PSL's answer depends on the name alone: an aligned identifier (the usual mail)
    // takes its author's, found by discovery, instead of walking the list again.
    if (options.mode == DiscoveryMode::rfc7489_psl) {
      for (const AuthorPolicy& a : in.authors) {
        if (a.author_domain != id.domain || a.org_domain.empty()) continue;
        id.org_domain = a.org_domain;
        return id;
      }
    }
    auto org = org_domain_of(resolver, id.domain, options);
    if (org)
      id.org_domain = std::move(*org);
    else
      in.auth_temperror = true;
    return id;
  };
  for (const auto& d : auth.dkim) {
    if (d.result == AuthResultCode::pass) in.dkim_pass.push_back(identifier(d.domain));
    if (d.result == AuthResultCode::temperror) in.auth_temperror = true;
  }
  if (auth.spf) {
    if (auth.spf->result == AuthResultCode::pass) in.spf_pass = identifier(auth.spf->domain);
    if (auth.spf->result == AuthResultCode::temperror) in.auth_temperror = true;
  }
  return evaluate(in);
}

}  // namespace cachet::dmarc
