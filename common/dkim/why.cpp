// SPDX-License-Identifier: BSD-2-Clause
// common/dkim/why.cpp: see why.hpp.
#include "common/dkim/why.hpp"

namespace cachet::dkim {
namespace {

std::string join(const std::vector<SignedWith>& sigs, std::string SignedWith::*member) {
  std::string out;
  for (const SignedWith& s : sigs) {
    if (!out.empty()) out += ',';
    out += s.*member;
  }
  return out;
}

// The first reason in the order the glue decides; "" when the message is signed.
std::string why_not(const SignFacts& f) {
  const std::string field = f.sender_field.empty() ? "From" : f.sender_field;
  if (!f.sign_mode) return "Mode has no s: verifying only";
  if (f.sender_fields == 0) return "no " + field + " field";
  if (!f.sender_valid) return field + " address has no valid domain";
  if (f.exempt) return "From domain " + f.sender_domain + " is in ExemptDomains";
  if (f.rcpt_blocked) return "a recipient is in DontSignMailTo";
  if (f.origin.empty()) {
    const std::string who = f.client.empty() ? "the client" : "client " + f.client;
    return who + " is not in InternalHosts and did not authenticate";
  }
  if (!f.blocked.empty()) return f.blocked;
  if (f.signatures.empty())
    return f.single_key ? "From domain " + f.sender_domain + " matches no Domain"
                        : "no SigningTable match for " + f.sender;
  if (!f.sign_error.empty()) return "signing failed: " + f.sign_error;
  return "";
}

}  // namespace

log::Fields sign_fields(const SignFacts& f, bool verbose) {
  log::Fields out;
  out.reserve(10);  // the most a line has (verbose, signed): one allocation
  const std::string no = why_not(f);
  if (no.empty()) {
    out.emplace_back("sign", "yes");
    out.emplace_back("d", join(f.signatures, &SignedWith::domain));
    out.emplace_back("s", join(f.signatures, &SignedWith::selector));
    out.emplace_back("a", join(f.signatures, &SignedWith::algorithm));
    if (!f.single_key) {
      std::string keys, lines;
      for (const SignedWith& s : f.signatures) {
        if (!keys.empty()) keys += ',', lines += ',';
        keys += s.key_name;
        lines += s.table_line > 0 ? "SigningTable:" + std::to_string(s.table_line) : "SigningTable";
      }
      out.emplace_back("key", keys);
      out.emplace_back("table", lines);
    }
    out.emplace_back("why", f.origin);
  } else {
    out.emplace_back("sign", "no");
    out.emplace_back("why", no);
  }
  if (f.sender_fields > 1)
    out.emplace_back("warning", std::to_string(f.sender_fields) + " " + f.sender_field + " fields: the first was used");
  if (verbose) {
    out.emplace_back("client", f.client.empty() ? "unknown" : f.client);
    out.emplace_back("login", f.login.empty() ? "none" : f.login);
    out.emplace_back("from", f.sender_valid ? f.sender : "none");
  }
  return out;
}

std::string describe(const SignatureResult& r) {
  std::string out = "d=" + (r.domain.empty() ? std::string("?") : r.domain);
  out += " s=" + (r.selector.empty() ? std::string("?") : r.selector);
  if (!r.algorithm.empty()) out += " a=" + r.algorithm;
  out += ' ';
  out += to_string(r.result);
  if (!r.reason.empty()) out += " (" + r.reason + ")";
  return out;
}

log::Fields verify_fields(const std::vector<SignatureResult>& results) {
  const SignatureResult* pass = nullptr;
  const SignatureResult* first = nullptr;
  std::string sigs;
  for (const SignatureResult& r : results) {
    if (r.result == VerifyResult::pass && pass == nullptr) pass = &r;
    if (r.result != VerifyResult::neutral && first == nullptr) first = &r;
    if (!sigs.empty()) sigs += "; ";
    sigs += describe(r);
  }
  std::string verdict = "none";
  if (pass != nullptr)
    verdict = "pass";
  else if (first != nullptr)
    verdict = to_string(first->result);
  else if (!results.empty())
    verdict = "neutral";
  log::Fields out;
  out.emplace_back("verify", verdict);
  if (!results.empty()) out.emplace_back("sigs", sigs);
  return out;
}

}  // namespace cachet::dkim
