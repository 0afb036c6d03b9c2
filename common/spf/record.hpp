// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/record.hpp: strict SPF record syntax check (RFC 7208 s4.6, s7, s12 ABNF) and
// the normalized form of a record that the libspf2 evaluator is given.
// Pure functions over bytes: no I/O, no logging, no globals; any thread.
// A record that fails validate_spf_record() is a permerror (RFC 7208 s4.6); libspf2 never
// sees it. Errors: Errc::permanent with a detail naming the offending term.
// See also: engine.hpp, tests/unit/common/spf/record_test.cpp
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::spf {

// A TXT record longer than this is refused before parsing (several 255-byte strings; the
// RFC bounds it only through the 512-byte UDP advice of s3.4, we allow a generous margin).
inline constexpr std::size_t kMaxRecordBytes = 4096;
// RFC 7208 s4.6.4: terms that cause DNS queries, and void lookups.
inline constexpr int kMaxDnsMechanisms = 10;
inline constexpr int kMaxVoidLookups = 2;

enum class Qualifier : char { pass = '+', fail = '-', softfail = '~', neutral = '?' };

enum class TermKind { all, include, a, mx, ptr, ip4, ip6, exists, redirect, exp, unknown_modifier };

struct Term {
  TermKind kind;
  Qualifier qualifier = Qualifier::pass;  // mechanisms only
  std::string name;                       // unknown modifiers: the lower-case name
  std::string value;                      // domain-spec, macro-string or network, as written (no cidr)
  int cidr4 = -1;                         // -1: not given
  int cidr6 = -1;
};

struct Record {
  std::vector<Term> terms;  // in record order
  bool has_all = false;
  int redirect_index = -1;  // index into terms, -1 if none
  int exp_index = -1;
};

// Validates a whole record (the TXT strings already concatenated, starting with "v=spf1").
// Errors (Errc::permanent): not an SPF record, over kMaxRecordBytes, non-ASCII or control
// characters, unknown mechanism, bad qualifier use, bad domain-spec / macro syntax, macro
// letters c/r/t outside exp text, bad ip4/ip6 network or cidr length (leading zeros,
// range), duplicate redirect= or exp=, bad modifier name.
[[nodiscard]] Result<Record> validate_spf_record(std::string_view text);

// True if `text` is an SPF version 1 record per RFC 7208 s4.5 ("v=spf1" then SP or end,
// case-insensitive).
bool is_spf1_record(std::string_view text) noexcept;

// The record as handed to libspf2 for a client of the given family: mechanisms in order,
// then redirect= (dropped when the record has "all", RFC 7208 s6.1), then exp=; unknown
// modifiers dropped (s6); cidr lengths of the other family dropped; ip4/ip6 "/0" written
// as two "/1" halves and a/mx "/0" targets suffixed with `zero_cidr_suffix` (libspf2
// 1.2.10 rejects "/0" at compile time).
std::string libspf2_text(const Record& record, bool client_is_v6, std::string_view zero_cidr_suffix);

// Validates explanation text fetched from DNS (RFC 7208 s6.2: a macro-string where c, r, t
// are allowed). Errors: Errc::permanent for non-ASCII bytes or bad macro syntax.
[[nodiscard]] Result<void> validate_explanation(std::string_view text);

// Validates a domain-spec (macro-string + domain-end, RFC 7208 s7.1).
[[nodiscard]] Result<void> validate_domain_spec(std::string_view spec);

}  // namespace cachet::spf
