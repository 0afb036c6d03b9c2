// SPDX-License-Identifier: BSD-2-Clause
//
// common/mail/header.hpp: RFC 5322 header section reader for raw messages (files,
// cachetctl, tests) and the helpers the milter path shares (field-name check, unfolding).
// Pure functions over bytes: no I/O, no logging, no shared state; any thread.
// Line endings: bare LF (mail read from files) is accepted and turned into CRLF, so the
// fields and body come out as they would be on the SMTP wire; every other byte (folding
// whitespace, 8-bit, a CR not followed by LF) is kept exactly for canonicalization.
// Fails (Errc::bad_input) on limits and on a header section that is not RFC 5322.
// See also: tag_list.hpp, common/dkim/canon.hpp, tests/unit/common/mail/header_test.cpp
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::mail {

inline constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;  // whole header section
inline constexpr std::size_t kMaxHeaders = 10000;            // fields per message

struct HeaderField {
  std::string name;   // bytes before the first ':', exactly as received (case kept)
  std::string value;  // bytes after the ':', folding kept (CRLF + WSP), no final CRLF
};

struct Message {
  std::vector<HeaderField> headers;  // in message order
  std::string body;                  // after the empty line, CRLF line endings
};

// RFC 5322 s2.2 field-name: 1*(%d33-57 / %d59-126), i.e. printable ASCII except ':'.
bool is_valid_field_name(std::string_view name) noexcept;

// Splits a raw message into header fields and body. A message without an empty line is
// all header (empty body). An mbox "From " separator line is NOT accepted.
// Errors (bad_input): a line without ':' or with an invalid field name, a continuation
// line before the first field, more than kMaxHeaders fields or kMaxHeaderBytes bytes.
[[nodiscard]] Result<Message> split_message(std::string_view raw);

// Removes every CRLF (or bare LF) that is followed by WSP (RFC 5322 s2.2.3). The WSP stays.
std::string unfold(std::string_view value);

// Turns bare LF into CRLF; a CRLF already present is kept.
std::string lf_to_crlf(std::string_view text);

}  // namespace cachet::mail
