// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/canon.hpp: DKIM header and body canonicalization (RFC 6376 s3.4).
// Pure over bytes: no I/O, no logging, no shared state; one BodyCanonicalizer per
// message (not shared between threads). Cannot fail; callers enforce size limits
// (mail::kMaxHeaderBytes) before calling.
// The body canonicalizer is streaming: chunks of any size (a CRLF may be split across
// chunks); trailing empty lines are held back (as a count, not as bytes) until text
// follows or finish() drops them. A bare LF is treated as a line end (CRLF).
// See also: sign.hpp, verify.hpp, tests/unit/common/dkim/canon_test.cpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cachet::dkim {

enum class Canon { simple, relaxed };

const char* to_string(Canon c) noexcept;

// One header field as it enters the hash, CRLF-terminated: `name` is the bytes before
// ':' and `value` the bytes after it (folding kept), as in mail::HeaderField.
std::string canon_header(std::string_view name, std::string_view value, Canon c);
void append_canon_header(std::string& out, std::string_view name, std::string_view value, Canon c);

class BodyCanonicalizer {
 public:
  explicit BodyCanonicalizer(Canon c) : canon_(c) {}
  // Appends the canonical form of what can be decided so far to `out`.
  void feed(std::string_view chunk, std::string& out);
  // Appends the rest; the object must not be fed afterwards.
  void finish(std::string& out);

 private:
  void text_run(std::string_view run, std::string& out);  // bytes other than CR, LF (relaxed: WSP)
  void text_byte(char c, std::string& out);
  void end_line(std::string& out);

  Canon canon_;
  bool line_empty_ = true;    // nothing of the current line emitted or pending
  bool cr_pending_ = false;   // saw CR, LF may follow in the next byte/chunk
  bool wsp_pending_ = false;  // relaxed: a WSP run not yet emitted
  bool any_output_ = false;
  std::uint64_t blank_lines_ = 0;  // held-back empty lines
};

}  // namespace cachet::dkim
