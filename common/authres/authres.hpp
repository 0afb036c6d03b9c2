// SPDX-License-Identifier: BSD-2-Clause
//
// common/authres/authres.hpp: Authentication-Results (RFC 8601) strict parser and writer.
// Pure functions; no I/O, no logging; any thread.
// Strict where a lenient parser was exploited: the authserv-id must be present (an A-R
// without ADMD such as "spf=pass ..." is rejected), methods, results, ptypes and
// property names are keywords (so "(null)=pass" is rejected), the result must be one the
// method's registry allows (dkim, spf, dmarc, arc, iprev, auth), and a domain-valued
// property (header.d, header.i, header.from, smtp.mailfrom, smtp.helo) must be an LDH
// domain (optionally after "local@"): "header.d=victim.example(.attacker.example" is
// rejected, and so is a comment glued to a value (CVE-2020-12272). Comments (CFWS) are
// allowed between all tokens; the one after a result, a property or "none" is kept.
// Deliberate leniency: '/' is accepted in the authserv-id (opendmarc's "host/jobid") and
// in property values (base64 prefixes such as header.b=Qgi/FoC0, as authres accepts).
// Errors: Errc::bad_input with the offset and reason.
// See also: received_spf.hpp, tests/unit/common/authres/authres_test.cpp
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::authres {

inline constexpr std::size_t kMaxHeaderValueBytes = 64 * 1024;
inline constexpr std::size_t kMaxResults = 64;
inline constexpr std::size_t kMaxProperties = 32;  // per result
inline constexpr std::size_t kMaxCommentDepth = 16;

struct Property {
  std::string ptype;    // lower case: smtp, header, body, policy, ...
  std::string name;     // lower case: mailfrom, d, from, ...
  std::string value;    // unquoted
  std::string comment;  // text of a comment right after the value, without parentheses
  // The property ptype.name (case-insensitive), e.g. is("header", "d").
  bool is(std::string_view t, std::string_view n) const noexcept;
};

struct MethodResult {
  std::string method;   // lower case
  std::string version;  // method-version digits, usually empty
  std::string result;   // lower case
  std::string comment;  // comment right after the result
  std::string reason;   // reason= value, unquoted
  std::vector<Property> properties;
  // The first property ptype.name, or nullptr.
  const Property* find(std::string_view ptype, std::string_view name) const noexcept;
};

struct AuthResults {
  std::string authserv_id;            // as written (case kept); compare case-insensitively
  std::optional<unsigned> version;    // authres-version
  std::vector<MethodResult> results;  // empty: "none"
  std::string none_comment;           // comment after "none"
};

// Parses the field value (everything after "Authentication-Results:"), folded or not.
// Errors (bad_input): see the file comment; also NUL/8-bit bytes outside quoted strings
// and comments, unterminated quotes/comments, more than kMaxResults results,
// kMaxProperties properties or kMaxHeaderValueBytes bytes.
[[nodiscard]] Result<AuthResults> parse_authentication_results(std::string_view value);

// The authserv-id a field value claims, read exactly as parse_authentication_results()
// reads it (CFWS with nested comments and quoted-pairs, then a token with '/' or a
// quoted-string, unescaped), lower-cased; "" when the value does not start with one.
// Whatever follows is not looked at: a milter that removes fields claiming its own id
// (RFC 8601 s5, CVE-2022-48521) must see the id every downstream parser sees, even in a
// field that is otherwise malformed.
std::string claimed_authserv_id(std::string_view value);

// Writes the field value on one line: "id[ version]; method=result (comment)
// reason="..." ptype.prop=value; ..." or "id; none". Values that are not tokens (or
// local@domain) are quoted; comment text is escaped.
std::string format_authentication_results(const AuthResults& ar);

// True for the result keywords RFC 8601 s2.7 (and its registry) allows for `method`;
// unknown methods accept any keyword.
bool is_valid_result(std::string_view method, std::string_view result) noexcept;

}  // namespace cachet::authres
