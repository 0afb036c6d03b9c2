// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/summary.cpp: see summary.hpp.
#include "common/dmarc/import/summary.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <map>

#include "common/base/strings.hpp"
#include "common/dmarc/history.hpp"

namespace cachet::dmarc::import {
namespace {

template <class T>
void sort_by_messages(std::vector<T>& v) {
  std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.tally.messages > b.tally.messages; });
}

SourceClass classify(const SourceSummary& s) {
  const Tally& t = s.tally;
  if (s.is_own) return t.dmarc_fail() == 0 ? SourceClass::own : SourceClass::own_failing;
  if (t.dkim_pass > 0 && t.own_envelope_spf_fail > 0 && t.spf_pass < t.messages) return SourceClass::forwarder;
  if (t.dmarc_fail() == 0) return SourceClass::third_party;
  return SourceClass::failing;
}

}  // namespace

void Tally::add(const StoredRecord& r) {
  messages += r.count;
  if (r.dkim == "pass") dkim_pass += r.count;
  if (r.spf == "pass") spf_pass += r.count;
  if (r.dkim == "pass" || r.spf == "pass") dmarc_pass += r.count;
  if (r.disposition == "quarantine") quarantined += r.count;
  if (r.disposition == "reject") rejected += r.count;
  for (const DkimEntry& spf : parse_dkim_entries(r.spf_results)) {
    const std::string d = to_lower(spf.domain);
    const bool is_own_envelope = d == r.domain || (d.size() > r.domain.size() && d.ends_with("." + r.domain));
    if (is_own_envelope && spf.result != "pass") {
      own_envelope_spf_fail += r.count;
      break;
    }
  }
}

double rate(std::uint64_t part, std::uint64_t whole) noexcept {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

const char* to_string(SourceClass c) noexcept {
  switch (c) {
    case SourceClass::own: return "own";
    case SourceClass::own_failing: return "own_failing";
    case SourceClass::forwarder: return "forwarder";
    case SourceClass::third_party: return "third_party";
    case SourceClass::failing: return "failing";
  }
  return "failing";
}

std::string reverse_dns_name(const std::string& ip) {
  std::array<unsigned char, 16> b{};
  static constexpr char kHex[] = "0123456789abcdef";
  if (inet_pton(AF_INET, ip.c_str(), b.data()) == 1)
    return std::to_string(b[3]) + "." + std::to_string(b[2]) + "." + std::to_string(b[1]) + "." + std::to_string(b[0]) +
           ".in-addr.arpa";
  if (inet_pton(AF_INET6, ip.c_str(), b.data()) != 1) return {};
  std::string out;
  for (int i = 15; i >= 0; --i) {
    out += kHex[b[static_cast<std::size_t>(i)] & 0xf];
    out += '.';
    out += kHex[b[static_cast<std::size_t>(i)] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::vector<DomainSummary> summarize(const std::vector<StoredRecord>& rows, const SourceLookup& lookup) {
  struct Acc {
    DomainSummary d;
    std::map<std::string, ReporterSummary> reporters;
    std::map<std::string, SourceSummary> sources;
  };
  std::map<std::string, Acc> by_domain;
  for (const StoredRecord& r : rows) {
    Acc& a = by_domain[r.domain];
    if (a.d.domain.empty()) {
      a.d.domain = r.domain;
      a.d.first = r.begin;
      a.d.last = r.end;
    }
    a.d.is_foreign = a.d.is_foreign || r.is_foreign;
    a.d.first = std::min(a.d.first, r.begin);
    a.d.last = std::max(a.d.last, r.end);
    a.d.tally.add(r);
    ReporterSummary& rep = a.reporters[r.org];
    rep.org = r.org;
    rep.tally.add(r);
    SourceSummary& src = a.sources[r.source_ip];
    if (src.source_ip.empty()) {
      src.source_ip = r.source_ip;
      const SourceFacts facts = lookup ? lookup(r.domain, r.source_ip) : SourceFacts{};
      src.is_own = facts.is_own;
      src.ptr = facts.ptr;
    }
    src.tally.add(r);
    src.reporters.insert(r.org);
  }
  std::vector<DomainSummary> out;
  for (auto& [name, a] : by_domain) {
    for (auto& [org, rep] : a.reporters) a.d.reporters.push_back(std::move(rep));
    for (auto& [ip, src] : a.sources) {
      src.cls = classify(src);
      if (src.tally.dmarc_fail() > 0) a.d.failing.push_back(src);
      a.d.sources.push_back(std::move(src));
    }
    sort_by_messages(a.d.reporters);
    sort_by_messages(a.d.sources);
    std::stable_sort(a.d.failing.begin(), a.d.failing.end(), [](const SourceSummary& x, const SourceSummary& y) {
      return x.tally.dmarc_fail() > y.tally.dmarc_fail();
    });
    out.push_back(std::move(a.d));
  }
  return out;
}

}  // namespace cachet::dmarc::import
