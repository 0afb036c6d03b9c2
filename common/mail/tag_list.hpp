// SPDX-License-Identifier: BSD-2-Clause
//
// common/mail/tag_list.hpp: strict parser for RFC 6376 s3.2 tag=value lists, shared by
// DKIM-Signature, DKIM key records and (later) DMARC records.
// Pure; any thread. Whole-list rejection on any syntax error and on a duplicate tag name
// (s3.2: "Tags with duplicate names MUST NOT occur"); unknown tags are kept, callers ignore
// them. Errors are Errc::permanent with a short reason.
//   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
//   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//   tag-name  = ALPHA *( ALPHA / DIGIT / "_" )
//   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]   tval = 1*(%x21-3A / %x3C-7E)
// FWS is SP/HTAB, optionally after CRLF (or bare LF) when WSP follows.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::mail {

inline constexpr std::size_t kMaxTags = 64;
inline constexpr std::size_t kMaxTagListBytes = 64 * 1024;

struct Tag {
  std::string name;   // case-sensitive (RFC 6376 s3.2)
  std::string value;  // leading/trailing FWS removed; inner FWS kept as received
};

struct TagList {
  std::vector<Tag> tags;  // in input order
  // The tag named `name`, or nullptr.
  const Tag* find(std::string_view name) const noexcept;
};

// Errors (permanent): empty input, empty tag-spec (";;"), bad tag-name, missing '=',
// a byte outside VALCHAR (controls, 8-bit, NUL), bare CR/LF not followed by WSP, a
// duplicate tag, more than kMaxTags tags or kMaxTagListBytes bytes.
[[nodiscard]] Result<TagList> parse_tag_list(std::string_view text);

}  // namespace cachet::mail
