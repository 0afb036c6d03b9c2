// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/policy.cpp: see policy.hpp.
#include "common/dmarc/policy.hpp"

namespace cachet::dmarc {
namespace {

Policy weaker(Policy p) { return p == Policy::reject ? Policy::quarantine : Policy::none; }

int rank(Policy p) { return static_cast<int>(p); }

// RFC 7489 s6.6.3 / DMARCbis: p for the domain that published the record and for the
// organizational domain itself; np for a subdomain that does not exist (RFC 9091);
// otherwise sp. Absent tags fall back np -> sp -> p.
std::pair<Policy, PolicyTag> select_policy(const AuthorPolicy& a) {
  const Record& r = a.record;
  const Policy p = r.p.value_or(Policy::none);
  if (a.author_domain == a.policy_domain || a.author_domain == a.org_domain) {
    return {p, PolicyTag::p};
  }
  const std::pair<Policy, PolicyTag> sp = r.sp ? std::pair{*r.sp, PolicyTag::sp} : std::pair{p, PolicyTag::p};
  const std::pair<Policy, PolicyTag> np = r.np ? std::pair{*r.np, PolicyTag::np} : sp;
  switch (a.author_exists) {
    case Existence::exists: return sp;
    case Existence::nonexistent: return np;
    case Existence::unknown: return rank(np.first) >= rank(sp.first) ? np : sp;
  }
  return sp;
}

}  // namespace

const char* to_string(DmarcResult r) noexcept {
  switch (r) {
    case DmarcResult::pass: return "pass";
    case DmarcResult::fail: return "fail";
    case DmarcResult::none: return "none";
    case DmarcResult::temperror: return "temperror";
    case DmarcResult::permerror: return "permerror";
  }
  return "permerror";
}

const char* to_string(PolicyTag t) noexcept {
  switch (t) {
    case PolicyTag::p: return "p";
    case PolicyTag::sp: return "sp";
    case PolicyTag::np: return "np";
  }
  return "p";
}

bool is_aligned(const Identifier& id, std::string_view author_domain, std::string_view author_org,
                AlignmentMode mode) noexcept {
  if (id.domain.empty() || author_domain.empty()) return false;
  if (id.domain == author_domain) return true;
  if (mode == AlignmentMode::strict) return false;
  return !id.org_domain.empty() && !author_org.empty() && id.org_domain == author_org;
}

AuthorVerdict evaluate_author(const AuthorPolicy& a, const Inputs& in) {
  AuthorVerdict v;
  v.author_domain = a.author_domain;
  v.policy_domain = a.policy_domain;
  v.detail = a.detail;
  switch (a.status) {
    case AuthorPolicy::Status::temperror: v.result = DmarcResult::temperror; return v;
    case AuthorPolicy::Status::invalid: v.result = DmarcResult::permerror; return v;
    case AuthorPolicy::Status::not_found: v.result = DmarcResult::none; return v;
    case AuthorPolicy::Status::found: break;
  }
  v.record = a.record;
  if (!a.record.p) {  // no usable p= and no rua: RFC 7489 s6.6.3 step 6
    v.result = DmarcResult::none;
    v.detail = "record without policy";
    return v;
  }
  for (const auto& id : in.dkim_pass) {
    v.dkim_aligned = v.dkim_aligned || is_aligned(id, a.author_domain, a.org_domain, a.record.adkim);
  }
  v.spf_aligned = in.spf_pass && is_aligned(*in.spf_pass, a.author_domain, a.org_domain, a.record.aspf);
  const auto [policy, tag] = select_policy(a);
  v.policy = policy;
  v.policy_tag = tag;
  v.testing = a.record.testing;
  if (v.dkim_aligned || v.spf_aligned) {
    v.result = DmarcResult::pass;
    return v;
  }
  const bool org_unknown = a.org_domain.empty();
  v.result = (in.auth_temperror || org_unknown) ? DmarcResult::temperror : DmarcResult::fail;
  if (v.result == DmarcResult::temperror) return v;
  v.disposition = policy;
  if (v.testing) {
    v.disposition = weaker(policy);  // DMARCbis t=y: one step weaker
  } else if (a.record.pct < 100 && in.sample >= a.record.pct) {
    v.sampled_out = true;  // RFC 7489 s6.6.4: apply the next weaker policy
    v.disposition = weaker(policy);
  }
  return v;
}

Verdict evaluate(const Inputs& in) {
  Verdict out;
  if (in.authors.empty()) {
    out.result = DmarcResult::permerror;
    return out;
  }
  for (const auto& a : in.authors) out.authors.push_back(evaluate_author(a, in));
  auto pick = [&](DmarcResult r) -> bool {
    bool found = false;
    for (std::size_t i = 0; i < out.authors.size(); ++i) {
      if (out.authors[i].result != r) continue;
      if (!found || rank(out.authors[i].disposition) > rank(out.authors[out.deciding].disposition)) {
        out.deciding = i;
      }
      found = true;
    }
    if (found) {
      out.result = r;
      out.disposition = out.authors[out.deciding].disposition;
    }
    return found;
  };
  if (pick(DmarcResult::temperror) || pick(DmarcResult::fail) || pick(DmarcResult::permerror)) {
    return out;
  }
  if (pick(DmarcResult::none)) return out;
  pick(DmarcResult::pass);
  return out;
}

}  // namespace cachet::dmarc
