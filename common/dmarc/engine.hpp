// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/engine.hpp: the DNS-facing half of DMARC evaluation. Discovers the policy
// of each author domain (RFC 7489: the author domain, then its PSL organizational domain;
// DMARCbis: the DNS tree walk), determines organizational domains for the authenticated
// identifiers, probes author-domain existence for np=, then calls the pure evaluate().
// Thread-safe if the resolver is; holds no state between calls.
// See also: policy.hpp (the decision), org_domain.hpp, milters/dmarc (the caller).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/dmarc/org_domain.hpp"
#include "common/dmarc/policy.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dmarc {

enum class DiscoveryMode {
  rfc7489_psl,  // _dmarc.<author>, then _dmarc.<PSL org domain>
  tree_walk,    // DMARCbis s4.10
};

enum class AuthResultCode { pass, fail, none, neutral, softfail, policy, temperror, permerror };

struct AuthOutcome {
  std::string domain;  // DKIM header.d, or the SPF-checked domain
  AuthResultCode result = AuthResultCode::none;
};

struct MessageAuth {
  std::vector<std::string> from_domains;  // mail::from_domains(); empty -> permerror
  std::vector<AuthOutcome> dkim;          // domains are normalised here (case, trailing dot)
  std::optional<AuthOutcome> spf;
};

struct EngineOptions {
  DiscoveryMode mode = DiscoveryMode::rfc7489_psl;
  // Required for rfc7489_psl (the admin's PublicSuffixList); without it the author domain
  // is its own organizational domain (opendmarc without PublicSuffixList behaves so).
  const PublicSuffixList* psl = nullptr;
};

// Discovers the policy for one (normalised) author domain.
AuthorPolicy discover_policy(dns::Resolver& resolver, const std::string& author_domain, const EngineOptions& options);

// The _dmarc names discover_policy() asks for author_domain before any answer can change
// its course: the author domain's, and in rfc7489_psl mode the organizational domain's when
// it differs (asked when the first has no record: mail from a subdomain). For fetching
// them together ahead of the evaluation (decide_message).
std::vector<std::string> policy_record_names(const std::string& author_domain, const EngineOptions& options);

// Everything: discovery for each author domain, org domains, then evaluate().
// `sample` is the pct draw in [0, 100) (injected so tests are deterministic).
Verdict evaluate_message(dns::Resolver& resolver, const MessageAuth& auth, const EngineOptions& options,
                         unsigned sample);

}  // namespace cachet::dmarc
