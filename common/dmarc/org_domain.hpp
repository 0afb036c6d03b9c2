// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/org_domain.hpp: the organizational domain (RFC 7489 s3.2) by the Public
// Suffix List, and by the DMARCbis DNS tree walk; plus DMARC policy discovery, which
// walks the same names.
// PublicSuffixList: a pure parser and matcher of public_suffix_list.dat (normal,
// wildcard "*." and exception "!" rules, implicit "*" rule), immutable after parse and
// safe to share between threads. U-labels in rules and inputs are matched in their
// A-label (punycode) form. Our own matcher, not libpsl: no extra library, no built-in
// list that could silently differ from the admin's PublicSuffixList file, and a parser
// we can fuzz; the PSL test suite (tests/unit/common/dmarc/org_domain_test.cpp) pins it.
// LIMITATION: U-labels are converted without IDNA2008 mapping/normalisation (only ASCII
// case folding); inputs in non-NFC form will not match their rule.
// TreeWalk: DMARCbis s4.10 with at most kMaxTreeWalkQueries queries per name, through
// dns::Resolver; a temporary DNS failure is Errc::temporary, never a guess.
// See also: policy.hpp, engine.hpp
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/record.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dmarc {

inline constexpr std::size_t kMaxPslBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxPslRules = 100000;
inline constexpr std::size_t kMaxTreeWalkQueries = 8;  // DMARCbis s4.10.1
inline constexpr std::size_t kTreeWalkShortcutLabels = 7;

// RFC 3492 punycode of one label; "xn--..." for non-ASCII labels, the label unchanged
// for ASCII ones. nullopt for invalid UTF-8 or an over-long result.
std::optional<std::string> to_a_label(std::string_view label);
// The whole domain in A-label form, label by label; nullopt when a label cannot be
// converted. What DNS queries and Authentication-Results carry (an IDN From domain's
// policy is published under _dmarc.xn--...).
std::optional<std::string> to_a_labels(std::string_view domain);

class PublicSuffixList {
 public:
  // Parses the list text. Errors (config): no rule at all, more than kMaxPslRules rules or
  // kMaxPslBytes bytes, a rule that is not a domain.
  [[nodiscard]] static Result<PublicSuffixList> parse(std::string_view text);
  // Reads and parses a file (the admin's PublicSuffixList option). Errors: config.
  [[nodiscard]] static Result<PublicSuffixList> load_file(const std::string& path);

  // The registrable domain (= organizational domain) of `domain`, in the same form as
  // the input (lower-cased, trailing dot removed). nullopt when the input is itself a
  // public suffix or not a valid name (empty label, leading dot, bad UTF-8).
  std::optional<std::string> registrable_domain(std::string_view domain) const;

  std::size_t rule_count() const noexcept { return rules_.size(); }

 private:
  // Rule kinds, as bits: one suffix may carry several.
  static constexpr unsigned kNormal = 1, kWildcard = 2, kException = 4;
  // A-label suffix -> rule kind bits; found by string_view (no string per suffix asked)
  std::unordered_map<std::string, unsigned, StringHash, std::equal_to<>> rules_;
};

// How an organizational domain is found.
class OrgDomainFinder {
 public:
  virtual ~OrgDomainFinder() = default;
  // `domain` is normalised (lower case, no trailing dot). Errors: temporary (DNS).
  [[nodiscard]] virtual Result<std::string> organizational_domain(std::string_view domain) const = 0;
};

// RFC 7489: the registrable domain by the PSL; a name that is itself a public suffix
// (or unlisted garbage) is its own organizational domain.
class PslOrgDomain : public OrgDomainFinder {
 public:
  explicit PslOrgDomain(const PublicSuffixList& psl) : psl_(psl) {}
  Result<std::string> organizational_domain(std::string_view domain) const override;

 private:
  const PublicSuffixList& psl_;
};

// One _dmarc lookup: the valid DMARC record at `domain`, if any.
struct DmarcLookup {
  enum class Status { record, no_record, invalid, temperror };
  Status status = Status::no_record;
  std::string domain;  // where the record was looked up (without "_dmarc.")
  Record record;       // Status::record only
  std::string detail;  // invalid / temperror: why
};

// Queries _dmarc.<domain> TXT and applies RFC 7489 s6.6.3: non-DMARC TXT strings are
// discarded; none or several DMARC records -> no_record; timeout/SERVFAIL -> temperror;
// one record that parse_record() rejects -> invalid.
DmarcLookup lookup_dmarc(dns::Resolver& resolver, std::string_view domain);

// The name lookup_dmarc() asks for `domain`: "_dmarc." + its A-label form.
std::string dmarc_record_name(std::string_view domain);

// The names the DMARCbis tree walk queries for `domain`, most specific first: the
// domain, then (if it has 8+ labels) its last 7 labels, then one label less each step.
std::vector<std::string> tree_walk_names(std::string_view domain);

// DMARCbis s4.10.2: the organizational domain by the tree walk. Uses the resolver for
// each query; errors: temporary when a lookup on the way fails temporarily.
class TreeWalkOrgDomain : public OrgDomainFinder {
 public:
  explicit TreeWalkOrgDomain(dns::Resolver& resolver) : resolver_(resolver) {}
  Result<std::string> organizational_domain(std::string_view domain) const override;

 private:
  dns::Resolver& resolver_;
};

}  // namespace cachet::dmarc
