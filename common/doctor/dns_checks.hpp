// SPDX-License-Identifier: BSD-2-Clause
//
// common/doctor/dns_checks.hpp: the DNS half of `cachetctl doctor`: is a domain's mail DNS
// set up right? Each check is a function over a dns::Resolver (the caller picks the
// nameservers; tests pass a ZoneResolver) that appends Findings (report.hpp):
//   check_mx     MX of the domain, A/AAAA of each MX host (RFC 5321 s5.1, RFC 7505 null MX)
//   check_ptr    PTR of the server's address, forward-confirmed (the PTR name's A/AAAA
//                holds the address), and equal to Postfix's myhostname
//   check_spf    one v=spf1 record (RFC 7208 s4.5), valid by our engine's parser, DNS
//                terms <= 10 and void lookups <= 2 counted through include/redirect
//                (s4.6.4), and the server's address passes
//   check_dkim   for each key: the record at SELECTOR._domainkey.DOMAIN exists, parses, is
//                not revoked, matches the private key; RSA keys have >= 2048 bits
//   check_dmarc  one v=DMARC1 record at _dmarc.DOMAIN, valid, policy advice, and for every
//                rua/ruf mailto: target outside the domain's organization the RFC 7489 s7.1
//                authorization record DOMAIN._report._dmarc.TARGET (common/dmarc/report_rua,
//                the report sender's own decision)
// DNS failures (timeout, SERVFAIL) give Mark::unchecked, never ✓ or ✗. No logging; no
// shared state; the checks are sequential (one query at a time).
// See also: report.hpp, tools/cachetctl/cmd_doctor.cpp, tests/unit/common/doctor/dns_checks_test.cpp
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/crypto.hpp"
#include "common/dns/resolver.hpp"
#include "common/doctor/report.hpp"

namespace cachet::doctor {

inline constexpr int kMinRsaBits = 2048;     // RFC 8301 allows 1024; we advise 2048
inline constexpr int kMaxSpfRecursion = 10;  // include/redirect depth walked at most

// The addresses of the MX hosts (in MX order), for check_ptr/check_spf when no --ip.
std::vector<std::string> check_mx(dns::Resolver& r, std::string_view domain, Findings& out);

void check_ptr(dns::Resolver& r, std::string_view ip, std::string_view myhostname, Findings& out);

void check_spf(dns::Resolver& r, std::string_view domain, std::string_view ip, Findings& out);

struct DkimKeyToCheck {
  std::string domain;
  std::string selector;
  const crypto::PrivateKey* key = nullptr;  // null: only the record is checked
  std::string origin;                       // where the key came from, for the messages ("KeyTable k1")
};
void check_dkim(dns::Resolver& r, const std::vector<DkimKeyToCheck>& keys, Findings& out);

void check_dmarc(dns::Resolver& r, std::string_view domain, Findings& out);

// SPF DNS-term counting over the include/redirect tree (exposed for tests).
struct SpfCount {
  int dns_terms = 0;          // include, a, mx, ptr, exists, redirect (RFC 7208 s4.6.4)
  int void_lookups = 0;       // include/redirect targets without an SPF record, a/mx names without addresses
  bool has_macros = false;    // terms with macros: counted once, their targets not followed
  bool is_unchecked = false;  // a DNS failure on the way
  std::string problem;        // a target's record is missing or invalid: that include is a permerror
};
SpfCount count_spf_lookups(dns::Resolver& r, std::string_view domain);

}  // namespace cachet::doctor
