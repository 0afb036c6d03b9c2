// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/signature.hpp: the DKIM-Signature header field (RFC 6376 s3.5): parser with
// the s3.5/s6.1.1 validity checks, the b= remover used by verifiers, and the formatter
// that writes opendkim's tag order and folding (or dkimpy's, for RFC 8463 vectors).
// Pure; any thread. Parse errors are Errc::permanent with the reason the verifier
// reports (RFC 6376 s6.1.1 PERMFAIL).
// See also: tag_list.hpp, sign.hpp, verify.hpp, tests/unit/common/dkim/signature_test.cpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/canon.hpp"

namespace cachet::dkim {

inline constexpr std::size_t kMaxSignedHeaders = 256;  // names in h=
inline constexpr std::size_t kMaxDomainBytes = 253;

enum class Algorithm { rsa_sha1, rsa_sha256, ed25519_sha256 };
const char* to_string(Algorithm a) noexcept;
std::optional<Algorithm> parse_algorithm(std::string_view text) noexcept;
crypto::HashAlg hash_of(Algorithm a) noexcept;
crypto::KeyType key_type_of(Algorithm a) noexcept;

struct Signature {
  Algorithm algorithm = Algorithm::rsa_sha256;
  std::string b;   // base64, whitespace removed
  std::string bh;  // base64, whitespace removed
  Canon header_canon = Canon::simple;
  Canon body_canon = Canon::simple;
  std::string domain;                        // d=, as written
  std::vector<std::string> signed_headers;   // h=, names as written
  std::string h_text;                        // formatter only: exact h= text if set (else joined with ':')
  std::string identity;                      // i=, decoded; empty when absent
  std::optional<std::uint64_t> body_length;  // l=
  std::string query_methods;                 // q=, as written; empty when absent
  std::string selector;                      // s=
  std::optional<std::uint64_t> timestamp;    // t=
  std::optional<std::uint64_t> expiry;       // x=
  std::string copied_headers;                // z=, as written
};

// LDH domain check used for d= and i= domains (CVE-2020-12272: '(' ')' ';' and the like
// would let a lookup name differ from the domain reported in Authentication-Results).
bool is_ldh_domain(std::string_view d) noexcept;
// `sub` equals `domain` or ends with "." + domain (ASCII case-insensitive).
bool is_same_or_subdomain(std::string_view sub, std::string_view domain) noexcept;

// Errors (permanent), with the reason as detail: tag-list syntax or duplicate tag;
// v= missing or not "1"; a= b= bh= d= h= s= missing; unknown a=; bad c=; q= without
// dns/txt; d=/s= not LDH; h= without From; i= not d= or a subdomain of it; l=/t=/x= not
// a number; x= earlier than t=.
[[nodiscard]] Result<Signature> parse_signature(std::string_view value);

// The header value with the b= tag's value (and the whitespace around it) removed, as it
// enters the signature hash (s3.7). Input must have parsed with parse_signature.
std::string strip_b_value(std::string_view value);

enum class SignatureStyle {
  opendkim,  // v a c d s t [x] [i] bh [l] h [z] b; h= joined with ':'
  dkimpy,    // v a c d i q s t [x] [l] h bh [z] b; i=@d and q=dns/txt always written
};

// Formats everything up to and including "b=" (the value passed to the signing hash),
// folded like opendkim: lines of at most 75 columns counting "DKIM-Signature: " and a TAB
// as 8, new lines start with TAB, long h=/b= values continue with TAB SP.
// `b_length` is the length the b= value will have, so that the position of "b=" is the
// same as in the final field.
std::string format_signature_unsigned(const Signature& sig, SignatureStyle style, std::size_t b_length);
// Appends the folded b= value to the output of format_signature_unsigned.
std::string append_b_value(std::string_view unsigned_value, std::string_view b);

}  // namespace cachet::dkim
