// SPDX-License-Identifier: BSD-2-Clause
//
// common/mail/address.hpp: author-domain extraction from RFC 5322 From fields, RFC 5321
// envelope addresses, and domain normalisation.
// Pure functions over bytes: no I/O, no logging, no shared state; any thread.
// The From parser is deliberately tolerant of real-world syntax (display names without
// quotes, "Name: <a@b>" pseudo-groups, stray or unbalanced angle brackets) but never
// drops an address: every word carrying an unquoted '@' contributes its domain, so a
// From field naming two domains always yields both (CVE-2019-16378: DMARC must not
// evaluate only one of them) and an element without a domain is an error, not a skip
// (CVE-2021-34555). Errors are Errc::bad_input with a short reason.
// See also: common/dmarc/policy.hpp, tests/unit/common/mail/address_test.cpp
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::mail {

inline constexpr std::size_t kMaxAddressFieldBytes = 64 * 1024;
inline constexpr std::size_t kMaxMailboxes = 256;    // per From field
inline constexpr std::size_t kMaxCommentDepth = 32;  // nested (comments)
inline constexpr std::size_t kMaxDomainBytes = 253;  // RFC 1035, without trailing dot
inline constexpr std::size_t kMaxLabelBytes = 63;
inline constexpr std::size_t kMaxLocalPartBytes = 1024;  // generous; RFC 5321 says 64

struct Mailbox {
  std::string local_part;  // as written (quotes kept), may be empty ("@example.com")
  std::string domain;      // normalised: lower-case ASCII, no trailing dot
};

// Lower-cases ASCII, removes one trailing dot and checks the name: 1..253 bytes, labels of
// 1..63 bytes made of letters, digits, '-', '_' or UTF-8 (well-formed; U-labels are kept
// as received). Errors (bad_input): empty, empty label, other bytes, bad UTF-8, limits.
[[nodiscard]] Result<std::string> normalize_domain(std::string_view domain);

// True for a domain made only of ASCII letters, digits, '-', '_' and dots, with labels of
// 1..63 bytes and at most one trailing dot (the "LDH" check the A-R parser applies to
// header.d and friends, CVE-2020-12272).
bool is_ldh_domain(std::string_view domain) noexcept;

// Parses the value of a From field (unfolded or folded) into its mailboxes, in order.
// Errors (bad_input): empty/no address, an element without '@domain' (e.g. "user, b@x"),
// an invalid domain (domain literal, bad bytes), an unterminated quoted string or comment,
// NUL bytes, more than kMaxMailboxes or kMaxAddressFieldBytes.
[[nodiscard]] Result<std::vector<Mailbox>> parse_from_mailboxes(std::string_view value);

// The distinct domains of parse_from_mailboxes(), in first-seen order.
[[nodiscard]] Result<std::vector<std::string>> from_domains(std::string_view value);

struct EnvelopeAddress {
  bool is_null = false;    // "<>": the null reverse-path (bounces)
  std::string local_part;  // quotes kept
  std::string domain;      // normalised; a domain literal "[192.0.2.1]" is kept as is
  bool is_domain_literal = false;
};

// RFC 5321 s4.1.2 Reverse-path / Forward-path: "<local@domain>", "<>", a source route
// "<@a,@b:local@domain>" (the route is dropped, s4.1.2 obs), or the bare form
// "local@domain" that MTAs pass in macros. Errors (bad_input): missing '@' or domain,
// unbalanced brackets, spaces or controls outside quotes, bad domain, limits.
[[nodiscard]] Result<EnvelopeAddress> parse_envelope_address(std::string_view text);

}  // namespace cachet::mail
