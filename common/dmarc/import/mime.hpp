// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/mime.hpp: a MIME walker (RFC 2045, 2046) for report mails: splits
// a message into its leaf parts, multipart/* recursively, and decodes each leaf's
// Content-Transfer-Encoding (base64, quoted-printable; 7bit, 8bit and binary as is).
// A message/rfc822 or text/rfc822-headers part is a leaf (a failure report's copy of the
// original message is not walked into). Content-Type parameters: quoted strings, RFC 2231
// `name*=` values (charset and language dropped, %XX decoded) and continuations `name*0=`.
// Pure: no I/O, no logging, no shared state; any thread.
// Errors (Errc::bad_input): a header section split_message() refuses, nesting deeper than
// kMaxMimeDepth, more than kMaxMimeParts leaves, a multipart without a boundary, base64
// that does not decode. A multipart whose closing delimiter is missing (truncated mail) is
// taken up to its end, as mail readers do; text before the first delimiter is ignored.
// See also: archive.hpp, report_mail.hpp, tests/unit/common/dmarc/import/mime_test.cpp,
// tests/fuzz/fuzz_report_mail.cpp
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/mail/header.hpp"

namespace cachet::dmarc::import {

inline constexpr std::size_t kMaxMimeDepth = 8;
inline constexpr std::size_t kMaxMimeParts = 64;

struct ContentType {
  std::string type = "text/plain";            // lower case type/subtype
  std::map<std::string, std::string> params;  // lower-case names, decoded values
};

// RFC 2045 s5.1 header value (no default applied here): "" or junk gives text/plain.
ContentType parse_content_type(std::string_view value);

struct MimePart {
  ContentType content_type;
  std::string filename;  // Content-Disposition filename=, else Content-Type name=
  std::string body;      // transfer encoding removed
};

// The leaf parts of `raw` (a whole message: header section, empty line, body), in order.
[[nodiscard]] Result<std::vector<MimePart>> walk_mime(std::string_view raw);

// Quoted-printable (RFC 2045 s6.7): soft line breaks removed, =XX decoded; a malformed
// '=' sequence is kept as is (the RFC's advice to be robust). Never fails.
std::string decode_quoted_printable(std::string_view text);

// The value of the first field `name` (case-insensitive) of a header section given as
// split_message(), unfolded and trimmed; "" when absent.
std::string header_value(const std::vector<mail::HeaderField>& headers, std::string_view name);

}  // namespace cachet::dmarc::import
