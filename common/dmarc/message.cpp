// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/message.cpp: see message.hpp.
#include "common/dmarc/message.hpp"

#include <algorithm>
#include <array>
#include <span>

#include "common/authres/authres.hpp"
#include "common/authres/received_spf.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/org_domain.hpp"
#include "common/dns/primed_resolver.hpp"
#include "common/mail/address.hpp"
#include "common/spf/engine.hpp"

namespace cachet::dmarc {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string& output_id(const MessageInput& in) { return in.output_id.empty() ? in.authserv_id : in.output_id; }

std::optional<AuthResultCode> result_code(std::string_view r) {
  static constexpr std::array<std::pair<std::string_view, AuthResultCode>, 8> kCodes{{
      {"pass", AuthResultCode::pass},
      {"fail", AuthResultCode::fail},
      {"none", AuthResultCode::none},
      {"neutral", AuthResultCode::neutral},
      {"softfail", AuthResultCode::softfail},
      {"policy", AuthResultCode::policy},
      {"temperror", AuthResultCode::temperror},
      {"permerror", AuthResultCode::permerror},
  }};
  for (const auto& [name, code] : kCodes)
    if (iequals(name, r)) return code;
  return std::nullopt;
}

const char* result_name(AuthResultCode c) {
  static constexpr std::array<const char*, 8> kNames{"pass",     "fail",   "none",      "neutral",
                                                     "softfail", "policy", "temperror", "permerror"};
  return kNames[static_cast<std::size_t>(c)];
}

// The domain of "a@b", "<a@b>" or a bare "b"; "" if there is none.
std::string domain_of(std::string_view text) {
  const auto at = text.rfind('@');
  std::string_view d = at == std::string_view::npos ? text : text.substr(at + 1);
  while (!d.empty() && d.back() == '>') d.remove_suffix(1);
  const auto n = mail::normalize_domain(d);
  return n ? *n : std::string();
}

bool is_trusted(const MessageSettings& s, const MessageInput& in, std::string_view id) {
  if (s.authserv_id_with_job_id && !in.queue_id.empty()) {
    const auto slash = id.rfind('/');
    if (slash != std::string_view::npos && id.substr(slash + 1) == in.queue_id) id = id.substr(0, slash);
  }
  if (s.trusted_ids.empty()) return !in.authserv_id.empty() && iequals(id, in.authserv_id);
  for (const std::string& t : s.trusted_ids)
    if (iequals(id, t)) return true;
  return false;
}

struct Collected {
  std::string ar_ids;  // the trusted A-R fields that gave a result
  std::vector<AuthOutcome> dkim;
  std::vector<std::string> dkim_selectors;  // parallel to dkim ("" = none given)
  std::optional<AuthOutcome> spf;
};

void take_dkim(const authres::MethodResult& m, Collected& out) {
  const auto code = result_code(m.result);
  if (!code) return;
  const authres::Property* domain = nullptr;
  std::string selector;
  for (const authres::Property& p : m.properties) {
    if (p.ptype != "header" || p.name.empty()) continue;
    if (p.name.front() == 'd' && domain == nullptr) domain = &p;
    if (p.name == "s" && selector.empty()) selector = p.value;
  }
  if (domain == nullptr) return;
  out.dkim.push_back({domain_of(domain->value), *code});
  out.dkim_selectors.push_back(std::move(selector));
}

// spf counts only for the envelope sender's domain (CVE-2019-20790); both the bare
// domain (policyd-spf) and the full address (RFC 8601 s2.7.2) are accepted.
void take_spf(const authres::MethodResult& m, const std::string& env_domain, Collected& out) {
  const auto code = result_code(m.result);
  if (!code || env_domain.empty() || out.spf) return;
  for (const authres::Property& p : m.properties)
    if (p.is("smtp", "mailfrom") && domain_of(p.value) == env_domain) {
      out.spf = AuthOutcome{env_domain, *code};
      return;
    }
}

void collect_auth_results(const MessageSettings& s, const MessageInput& in, const std::string& env_domain,
                          Collected& out) {
  std::size_t seen = 0;
  for (const auto& [name, value] : in.headers) {
    if (!iequals(name, "Authentication-Results") || ++seen > kMaxAuthResultsFields) continue;
    const auto ar = authres::parse_authentication_results(value);
    if (!ar || !is_trusted(s, in, ar->authserv_id)) continue;
    const std::size_t before = out.dkim.size() + (out.spf ? 1 : 0);
    for (const authres::MethodResult& m : ar->results) {
      if (m.method == "dkim") take_dkim(m, out);
      if (m.method == "spf" && !s.spf_ignore_results) take_spf(m, env_domain, out);
    }
    if (out.dkim.size() + (out.spf ? 1 : 0) > before &&
        (out.ar_ids.empty() || out.ar_ids.find(ar->authserv_id) == std::string::npos))
      out.ar_ids += (out.ar_ids.empty() ? "" : ",") + ar->authserv_id;
  }
}

// The topmost Received-SPF, only for identity=mailfrom and our envelope sender.
void collect_received_spf(const MessageInput& in, const std::string& env_domain, Collected& out) {
  for (const auto& [name, value] : in.headers) {
    if (!iequals(name, "Received-SPF")) continue;
    const auto rs = authres::parse_received_spf(value);
    if (!rs) return;
    const std::string* identity = rs->find("identity");
    const std::string* env = rs->find("envelope-from");
    std::string_view sender = in.envelope_from;
    if (sender.size() >= 2 && sender.front() == '<' && sender.back() == '>')
      sender = sender.substr(1, sender.size() - 2);
    if (identity == nullptr || !iequals(*identity, "mailfrom") || env == nullptr || !iequals(trim(*env), sender) ||
        env_domain.empty())
      return;
    // Kept as found (softfail stays softfail, for the report): the engine counts only
    // pass and temperror, which is opendmarc's mapping (fail/softfail/neutral -> fail,
    // permerror -> none) in effect.
    using authres::SpfResult;
    AuthResultCode code = AuthResultCode::none;
    switch (rs->result) {
      case SpfResult::pass: code = AuthResultCode::pass; break;
      case SpfResult::temperror: code = AuthResultCode::temperror; break;
      case SpfResult::fail: code = AuthResultCode::fail; break;
      case SpfResult::softfail: code = AuthResultCode::softfail; break;
      case SpfResult::neutral: code = AuthResultCode::neutral; break;
      case SpfResult::none: code = AuthResultCode::none; break;
      case SpfResult::permerror: code = AuthResultCode::permerror; break;
    }
    out.spf = AuthOutcome{env_domain, code};
    return;
  }
}

// The domain SPFSelfValidate checks: the envelope domain in A-label form, as DNS names
// are, and as our field's smtp.mailfrom value must be to parse under RFC 8601 (found by
// fuzz_dmarc_decision); "" when it has none.
std::string spf_check_domain(const std::string& env_domain) {
  return env_domain.empty() ? std::string() : to_a_labels(env_domain).value_or(std::string());
}

// The calling thread's SPF engine, aimed at this check's resolver and primed answers.
// Kept per thread: building libspf2's server cost ~5.5k instructions and a uname() per
// message (callgrind, cold bench). Engines are not thread-safe; each check resets its
// counters (SpfEngine).
spf::SpfEngine& thread_spf_engine(dns::Resolver& resolver, std::vector<dns::PrimedResolver::Primed> primed) {
  thread_local dns::PrimedResolver primed_resolver(resolver, {});
  thread_local spf::SpfEngine engine(primed_resolver, spf::Options{});
  primed_resolver.reset(resolver, std::move(primed));
  return engine;
}

// SPFSelfValidate: our own check of the MAIL FROM identity; adds our spf= field.
// `spf_domain`: spf_check_domain(env_domain); `spf_record`: its TXT answer, fetched fresh
// with the DMARC records.
void self_validate(const MessageInput& in, const std::string& env_domain, const std::string& spf_domain,
                   dns::Resolver& resolver, std::optional<dns::Answer> spf_record, Collected& out, Decision& d) {
  if (spf_domain.empty() || in.client_ip.empty()) return;
  std::string_view sender = in.envelope_from;
  if (sender.size() >= 2 && sender.front() == '<') sender = sender.substr(1, sender.size() - 2);
  const auto at = sender.rfind('@');
  const std::string checked = std::string(sender.substr(0, at == std::string_view::npos ? 0 : at + 1)) + spf_domain;
  // The engine takes the record as its own fresh answer, so its layer still fetches the
  // record's targets together (it skips records found in the cache).
  std::vector<dns::PrimedResolver::Primed> primed;
  if (spf_record) primed.push_back({spf_domain, dns::RrType::txt, std::move(*spf_record)});
  const spf::SpfResult r =
      thread_spf_engine(resolver, std::move(primed)).check_mailfrom(in.client_ip, checked, in.helo);
  const char* text = spf::to_string(r.verdict);
  out.spf = AuthOutcome{env_domain, result_code(text).value_or(AuthResultCode::none)};
  authres::AuthResults ar;
  ar.authserv_id = output_id(in);
  ar.results.push_back({"spf", {}, text, {}, {}, {{"smtp", "mailfrom", spf_domain, {}}}});
  d.auth_results.push_back(authres::format_authentication_results(ar));
}

// Cold mail: the author domains' DMARC records that discovery may ask (the From domain's,
// the organizational domain's) and, with SPF self-validation, the SPF record of
// `spf_domain` ("" for none) go out together into the resolver's cache, one round trip
// instead of one each, where discovery then finds them. Returns the SPF record's answer
// when it came fresh from the wire, for self_validate to hand to the SPF engine (whose own
// prefetch walks a record it did not find in the cache: common/spf/prefetch.hpp).
// Without a cache there is nothing to keep them in: every lookup asks as before.
std::optional<dns::Answer> prefetch_records(const dmarc::MessageAuth& auth, const dmarc::EngineOptions& eo,
                                            const std::string& spf_domain, dns::Resolver& resolver) {
  if (resolver.cache_capacity() == 0) return std::nullopt;
  std::vector<std::string> names;
  for (const std::string& author : auth.from_domains)
    for (std::string& n : policy_record_names(author, eo)) names.push_back(std::move(n));
  if (!spf_domain.empty()) names.push_back(spf_domain);
  if (names.size() < 2) return std::nullopt;
  std::vector<dns::Question> questions;
  for (const std::string& n : names) questions.push_back({n, dns::RrType::txt});
  std::vector<dns::Answer> answers = resolver.query_many(questions);
  if (spf_domain.empty() || answers.size() != names.size()) return std::nullopt;
  dns::Answer& spf = answers.back();
  // A cached record was walked when it was fetched; a temporary failure is asked again.
  if (spf.is_cached || dns::is_temporary(spf.status)) return std::nullopt;
  return std::move(spf);
}

// "domain:pass,domain:notpass" for the info line; "none" for no outcome.
std::string describe(std::span<const AuthOutcome> outcomes) {
  std::string out;
  for (const AuthOutcome& o : outcomes) {
    if (!out.empty()) out += ',';
    out.append(o.domain).append(o.result == AuthResultCode::pass ? ":pass" : ":notpass");
  }
  return out.empty() ? "none" : out;
}

std::string format_reply_text(const std::string& pattern, const std::string& domain) {
  const auto pos = pattern.find("%s");
  if (pos == std::string::npos) return pattern;
  return pattern.substr(0, pos) + domain + pattern.substr(pos + 2);
}

std::string dmarc_field(const std::string& id, const Decision& d, bool with_policy) {
  authres::AuthResults ar;
  ar.authserv_id = id;
  authres::MethodResult m{"dmarc", {}, d.result, {}, {}, {}};
  if (with_policy) m.comment = "p=" + d.policy + " dis=" + d.disposition;
  // header.from in A-label form: an IDN From domain in UTF-8 is not a value RFC 8601
  // parsers (ours included) accept (found by fuzz_dmarc_decision).
  if (const auto from = to_a_labels(d.from_domain); from && !from->empty())
    m.properties.push_back({"header", "from", *from, {}});
  ar.results.push_back(std::move(m));
  return authres::format_authentication_results(ar);
}

// From-level checks before any DNS: true when they end the message, decided in `d` (the
// caller's, so that its result is returned without a move).
bool check_from(const MessageSettings& s, const MessageInput& in, std::vector<std::string>& domains, Decision& d) {
  bool any_from = false, bad_from = false;
  for (const auto& [name, value] : in.headers) {
    if (!iequals(name, "From")) continue;
    any_from = true;
    const auto got = mail::from_domains(value);
    if (!got) {
      bad_from = true;
      continue;
    }
    for (const std::string& dom : *got)
      if (std::find(domains.begin(), domains.end(), dom) == domains.end()) domains.push_back(dom);
  }
  if (!any_from) {
    d.result = "nofrom";
    if (s.required_from || s.required_headers)
      d.verdict = milter::Verdict::reply("550", "5.7.1", "RFC5322 requirement error: no From field");
    return true;
  }
  if (bad_from) {
    // CVE-2021-34555: an element without a domain is an error, never a pass.
    d.evaluated = true;
    d.result = "permerror";
    d.reason = "unparsable From";
    if (s.reject_failures || s.required_from)
      d.verdict = milter::Verdict::reply("550", "5.7.1", "unable to parse From header field");
    else
      d.auth_results.push_back(dmarc_field(output_id(in), d, false));
    return true;
  }
  if (domains.size() > 1 && s.reject_multi_value_from) {
    d.result = "multifrom";
    d.from_domain = domains.front();
    d.verdict = milter::Verdict::reply("550", "5.7.1", "multi-valued From field with different domains");
    return true;
  }
  for (const std::string& dom : domains)
    if (s.ignore_mail_from.contains(dom)) {
      d.result = "ignored";
      d.from_domain = dom;
      return true;
    }
  return false;
}

void apply_verdict(const MessageSettings& s, const MessageInput& in, const dmarc::Verdict& v, Decision& d) {
  const dmarc::AuthorVerdict* a = v.authors.empty() ? nullptr : &v.authors[v.deciding];
  d.result = dmarc::to_string(v.result);
  if (a != nullptr) {
    d.from_domain = a->author_domain;
    d.policy_domain = a->policy_domain.empty() ? a->author_domain : a->policy_domain;
    if (a->policy) d.policy = dmarc::to_string(*a->policy);
    d.reason = a->detail;
    d.sampled_out = a->sampled_out;
    d.testing = a->testing;
    d.dkim_aligned = a->dkim_aligned;
    d.spf_aligned = a->spf_aligned;
    d.published = a->record;
  }
  using dmarc::DmarcResult;
  using dmarc::Policy;
  if (v.result == DmarcResult::temperror && s.reject_failures) {
    d.verdict = milter::Verdict::reply("451", "4.7.1", "temporary DMARC evaluation error for " + d.from_domain);
    d.disposition = "tempfail";
    return;
  }
  if (v.result == DmarcResult::fail && a != nullptr) {
    const bool enforce = a->policy && *a->policy != Policy::none;
    if (enforce && !s.copy_failures_to.empty()) d.add_rcpt = s.copy_failures_to;
    if (a->disposition == Policy::reject && s.reject_failures) {
      d.disposition = "reject";
      d.verdict = milter::Verdict::reply("550", "5.7.1", format_reply_text(s.reject_string, d.policy_domain));
      return;  // opendmarc adds no field to mail it refuses
    }
    if (a->disposition == Policy::quarantine && s.hold_quarantined) {
      d.disposition = "quarantine";
      d.quarantine_reason = "quarantined by DMARC policy for " + d.policy_domain;
    }
  }
  const bool with_policy =
      v.result == DmarcResult::pass || v.result == DmarcResult::fail || v.result == DmarcResult::none;
  d.auth_results.push_back(dmarc_field(output_id(in), d, with_policy));
}

}  // namespace

std::string check_required_headers(const Headers& headers) {
  struct Rule {
    std::string_view name;
    unsigned min, max;
  };
  static constexpr std::array<Rule, 10> kRules{{
      {"From", 1, 1},
      {"Date", 1, 1},
      {"Sender", 0, 1},
      {"Reply-To", 0, 1},
      {"To", 0, 1},
      {"Cc", 0, 1},
      {"Bcc", 0, 1},
      {"Message-ID", 0, 1},
      {"In-Reply-To", 0, 1},
      {"Subject", 0, 1},
  }};
  for (const Rule& r : kRules) {
    unsigned n = 0;
    for (const auto& h : headers) n += iequals(h.first, r.name) ? 1 : 0;
    if (n < r.min) return "missing " + std::string(r.name);
    if (n > r.max) return "more than one " + std::string(r.name);
  }
  return {};
}

Decision decide_message(const MessageSettings& s, const MessageInput& in, dns::Resolver& resolver, unsigned sample) {
  Decision d;  // every return returns d: no move of the result
  if (s.required_headers) {
    if (const std::string why = check_required_headers(in.headers); !why.empty()) {
      d.result = "badheaders";
      d.reason = why;
      d.verdict = milter::Verdict::reply("550", "5.7.1", "RFC5322 requirement error: " + why);
      return d;
    }
  }
  dmarc::MessageAuth auth;
  if (check_from(s, in, auth.from_domains, d)) return d;

  d.evaluated = true;
  const std::string env_domain = in.envelope_from == "<>" ? std::string() : domain_of(in.envelope_from);
  Collected got;
  collect_auth_results(s, in, env_domain, got);
  if (got.spf) d.spf_source = "A-R";
  if (!got.spf && !s.spf_ignore_results) {
    collect_received_spf(in, env_domain, got);
    if (got.spf) d.spf_source = "Received-SPF";
  }
  dmarc::EngineOptions eo;
  eo.mode = s.mode;
  eo.psl = s.psl.get();
  const bool self_validates = !got.spf && s.spf_self_validate;
  const std::string spf_domain = self_validates && !in.client_ip.empty() ? spf_check_domain(env_domain) : "";
  auto spf_record = prefetch_records(auth, eo, spf_domain, resolver);
  if (self_validates) {
    self_validate(in, env_domain, spf_domain, resolver, std::move(spf_record), got, d);
    if (got.spf) d.spf_source = "SPFSelfValidate";
  }
  d.ar_ids = std::move(got.ar_ids);
  d.sample = sample;
  d.dkim = describe(got.dkim);
  d.dkim_results.reserve(got.dkim.size());
  for (std::size_t i = 0; i < got.dkim.size(); ++i)
    d.dkim_results.push_back({got.dkim[i].domain, std::move(got.dkim_selectors[i]), result_name(got.dkim[i].result)});
  if (got.spf) {
    d.spf_domain = got.spf->domain;
    d.spf_result = result_name(got.spf->result);
    d.spf = describe({&*got.spf, 1});
  } else {
    d.spf = "none";
  }
  auth.dkim = std::move(got.dkim);
  auth.spf = std::move(got.spf);

  const dmarc::Verdict v = dmarc::evaluate_message(resolver, auth, eo, sample);
  apply_verdict(s, in, v, d);
  if (s.psl && !d.from_domain.empty()) d.org_domain = s.psl->registrable_domain(d.from_domain).value_or(d.from_domain);
  return d;
}

}  // namespace cachet::dmarc
