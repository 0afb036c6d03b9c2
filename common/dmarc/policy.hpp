// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/policy.hpp: the DMARC decision (RFC 7489 s6.6, DMARCbis s4/s5): identifier
// alignment, the result (pass/fail/none/temperror/permerror), which policy tag applies
// (p, sp, np), pct sampling and t=y testing, and the requested disposition.
// A pure function of its inputs: DNS work (record discovery, organizational domains,
// the existence probe for np=) is done before, by engine.hpp. Any thread.
// Safety rules enforced here: a temporary DNS error never becomes pass or none; a From
// field with several domains passes only if every domain passes (CVE-2019-16378);
// an empty author list is permerror.
// See also: record.hpp, org_domain.hpp, engine.hpp, tests/unit/common/dmarc/policy_test.cpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dmarc/record.hpp"

namespace cachet::dmarc {

enum class DmarcResult { pass, fail, none, temperror, permerror };
const char* to_string(DmarcResult r) noexcept;

// Which tag of the record selected the policy.
enum class PolicyTag { p, sp, np };
const char* to_string(PolicyTag t) noexcept;

enum class Existence { exists, nonexistent, unknown };

// Discovery outcome for one author (RFC5322.From) domain.
struct AuthorPolicy {
  enum class Status { found, not_found, invalid, temperror };
  Status status = Status::not_found;
  std::string author_domain;                    // normalised
  std::string org_domain;                       // empty if it could not be determined (temporary error)
  std::string policy_domain;                    // where the record was found
  Record record;                                // Status::found only
  Existence author_exists = Existence::exists;  // only consulted for np=
  std::string detail;
};

// An authenticated identifier: a DKIM d= that verified (pass), or the SPF-authenticated
// MAIL FROM (or HELO, when MAIL FROM was null) domain.
struct Identifier {
  std::string domain;      // normalised
  std::string org_domain;  // empty if unknown (its lookup failed temporarily)
};

struct Inputs {
  std::vector<AuthorPolicy> authors;   // one per distinct From domain, in order
  std::vector<Identifier> dkim_pass;   // every dkim=pass signature domain
  std::optional<Identifier> spf_pass;  // set only for spf=pass
  // A DKIM or SPF check (or an org-domain lookup) ended in temperror: without an aligned
  // pass, the result is temperror rather than fail (never reject on a transient error).
  bool auth_temperror = false;
  unsigned sample = 0;  // uniform in [0, 100): the injected pct random draw
};

struct AuthorVerdict {
  DmarcResult result = DmarcResult::none;
  std::string author_domain;
  std::string policy_domain;
  std::optional<Record> record;  // the published record (discovery found one)
  std::optional<Policy> policy;  // the requested policy (p/sp/np value); none if no record
  std::optional<PolicyTag> policy_tag;
  Policy disposition = Policy::none;  // after pct sampling / t=y (what the owner asks for)
  bool dkim_aligned = false;
  bool spf_aligned = false;
  bool sampled_out = false;  // pct said: apply the next weaker policy
  bool testing = false;      // t=y
  std::string detail;
};

struct Verdict {
  DmarcResult result = DmarcResult::permerror;
  Policy disposition = Policy::none;
  std::size_t deciding = 0;            // index into authors of the verdict that decided
  std::vector<AuthorVerdict> authors;  // one per Inputs::authors
};

// Identifier alignment (RFC 7489 s3.1): strict = equal domains; relaxed = equal
// organizational domains (an empty org domain only matches by equality).
bool is_aligned(const Identifier& id, std::string_view author_domain, std::string_view author_org,
                AlignmentMode mode) noexcept;

// The decision for one author domain.
AuthorVerdict evaluate_author(const AuthorPolicy& author, const Inputs& in);

// The decision for the message. Combination over several author domains: any temperror
// -> temperror; else any fail -> fail with the strictest disposition; else any permerror
// -> permerror; else all pass -> pass; else none. No author -> permerror.
Verdict evaluate(const Inputs& in);

}  // namespace cachet::dmarc
