// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/summary.hpp: what the imported aggregate reports say, per policy
// domain, per reporter and per source IP: messages, how many passed DKIM and SPF (the
// policy_evaluated results, i.e. aligned), DMARC (either aligned), the disposition applied;
// each source classified so the admin sees at a glance:
//   own        the domain's SPF record authorises the source ("my servers"), all passing
//   own_failing  an own server with messages failing DMARC (signing or SPF broken)
//   forwarder  not own, DKIM passes, and SPF for the domain's own envelope fails: a forwarder
//              or mailing list relays the mail (SPF breaks, DKIM survives)
//   third_party not own, passes DMARC (an ESP or service allowed to send as the domain)
//   failing    not own, fails DMARC: someone else sends as the domain (spoofing), or a
//              forwarder that broke DKIM too
// Whether a source is own, and its PTR name, come from the caller (SourceLookup: the
// command asks DNS through the project resolver); this part is pure and any-thread.
// See also: store.hpp (the rows), tools/cachetctl/cmd_dmarc_summary.cpp,
// tests/unit/tools/cachetctl/dmarc_summary_test.cpp
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/dmarc/import/store.hpp"

namespace cachet::dmarc::import {

struct Tally {
  std::uint64_t messages = 0, dkim_pass = 0, spf_pass = 0, dmarc_pass = 0, quarantined = 0, rejected = 0;
  // Messages whose raw SPF result for the policy domain (or a subdomain: the envelope kept
  // the author's domain) is not pass: the mark of forwarding, unlike an ESP whose SPF
  // passes for its own bounce domain.
  std::uint64_t own_envelope_spf_fail = 0;
  void add(const StoredRecord& r);
  std::uint64_t dmarc_fail() const { return messages - dmarc_pass; }
};

// Percent of `part` in `whole`, 0 when whole is 0 (one decimal is the caller's business).
double rate(std::uint64_t part, std::uint64_t whole) noexcept;

enum class SourceClass { own, own_failing, forwarder, third_party, failing };
const char* to_string(SourceClass c) noexcept;

struct SourceFacts {
  bool is_own = false;
  std::string ptr;  // "" when unknown
};
using SourceLookup = std::function<SourceFacts(const std::string& domain, const std::string& ip)>;

struct SourceSummary {
  std::string source_ip, ptr;
  bool is_own = false;
  SourceClass cls = SourceClass::failing;
  Tally tally;
  std::set<std::string> reporters;
};

struct ReporterSummary {
  std::string org;
  Tally tally;
};

struct DomainSummary {
  std::string domain;
  bool is_foreign = false;
  std::int64_t first = 0, last = 0;  // earliest begin, latest end of its reports
  Tally tally;
  std::vector<ReporterSummary> reporters;  // most messages first
  std::vector<SourceSummary> sources;      // most messages first
  std::vector<SourceSummary> failing;      // sources with DMARC failures, most failures first
};

// Domains in name order. `lookup` is called once per (domain, source IP).
std::vector<DomainSummary> summarize(const std::vector<StoredRecord>& rows, const SourceLookup& lookup);

// "4.3.2.1.in-addr.arpa" / nibble form for IPv6; "" for text that is no address.
std::string reverse_dns_name(const std::string& ip);

}  // namespace cachet::dmarc::import
