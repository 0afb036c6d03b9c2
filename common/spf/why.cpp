// SPDX-License-Identifier: BSD-2-Clause
// common/spf/why.cpp: see spf_why.hpp.
#include "common/spf/why.hpp"

namespace cachet::spf {

std::string skip_words(SkipReason why) {
  switch (why) {
    case SkipReason::local: return "client in skip_addresses: not checked";
    case SkipReason::whitelist: return "client in Whitelist: not checked";
    case SkipReason::domain_whitelist: return "client passes SPF for a Domain_Whitelist domain: not checked";
    case SkipReason::helo_whitelist: return "HELO name in HELO_Whitelist resolves to the client: not checked";
    case SkipReason::ptr_whitelist: return "client PTR name in Domain_Whitelist_PTR: not checked";
  }
  return "not checked";
}

std::string result_words(std::string_view identity, std::string_view domain, std::string_view ip,
                         const spf::SpfResult& r) {
  std::string out(identity);
  out += ' ';
  out += domain.empty() ? std::string_view("(none)") : domain;
  out += ": ";
  const std::string client(ip);
  using spf::Verdict;
  switch (r.verdict) {
    case Verdict::pass: out += "its SPF record permits " + client; break;
    case Verdict::fail: out += "its SPF record forbids " + client + " (a - mechanism or -all matched)"; break;
    case Verdict::softfail: out += "its SPF record discourages " + client + " (a ~ mechanism or ~all matched)"; break;
    case Verdict::neutral:
      out += "its SPF record says nothing about " + client + " (a ? mechanism, ?all or no match)";
      break;
    case Verdict::none: out += "no SPF record"; break;
    case Verdict::permerror:
      out += "SPF record unusable: " + (r.problem.empty() ? std::string("permanent error") : r.problem);
      break;
    case Verdict::temperror:
      out += "DNS failed: " + (r.problem.empty() ? std::string("temporary error") : r.problem);
      break;
  }
  if (r.dns_terms > 0) out += " (" + std::to_string(r.dns_terms) + " DNS terms)";
  return out;
}

}  // namespace cachet::spf
