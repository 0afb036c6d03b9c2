// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/parser.hpp: push parser for the Postfix policy delegation protocol
// (SMTPD_POLICY_README): `name=value` lines ending in LF, a request ends at an empty line.
// Pure: no I/O, no logging, no globals. One parser per connection; not thread-safe.
//
// Usage: feed() the bytes as they arrive, then call next() until it yields nullopt
// (need more bytes) or an error. The parser buffers at most what was fed since the last
// next() that returned nullopt, and never more than one request's worth in between, so a
// caller that drains after each feed() holds at most kMaxRequestBytes + one read chunk.
//
// Decisions (documented for the protocol's open points):
//  * A CR immediately before the LF is stripped, so hand-typed CRLF sessions (telnet,
//    nc -C) work; Postfix itself sends LF only. Any other CR stays in the value.
//  * Repeated names: every occurrence is kept; Request accessors read the last one.
//  * Values may hold any byte except NUL and LF (8-bit is allowed: SMTPUTF8 addresses).
//  * A line without '=' is malformed, as is a name that is empty or holds anything but
//    printable ASCII (Postfix's names are lower-case words; a CR, space or 8-bit byte in
//    a name means the peer is not Postfix).
//
// Errors (Errc::bad_input, detail = to_string(RequestError)):
//  * framing errors (NUL byte, a line without '=', bad name, line too long, too many
//    attributes, request too large) are sticky: the stream cannot be resynchronised, so
//    every later next() returns the same error and the caller should drop the connection.
//  * not_access_policy: a well-framed request without request=smtpd_access_policy. Not
//    sticky (the stream is still in sync); the request is consumed and the next one parses.
// Complete requests that precede an error in the same buffer are returned first.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/policy/request.hpp"

namespace cachet::policy {

// Bytes in one line, without its LF (and without a stripped CR). Postfix's largest
// values are xtext-encoded certificate names and operator-written policy_context; 8 KiB
// leaves ample room while bounding what an idle peer can make us buffer.
inline constexpr std::size_t kMaxLineBytes = 8192;
// Attributes in one request. Postfix 3.12 sends about 32 distinct attributes.
inline constexpr std::size_t kMaxAttributes = 128;
// Bytes in one request, counting every LF and the terminating empty line.
inline constexpr std::size_t kMaxRequestBytes = 65536;

enum class RequestError {
  none,
  nul_byte,
  missing_equals,
  bad_name,
  line_too_long,
  too_many_attributes,
  request_too_large,
  not_access_policy,
};

// Stable words for log lines ("line too long", ...).
const char* to_string(RequestError error) noexcept;

class RequestParser {
 public:
  // Appends bytes to the stream. Does nothing once a framing error has been seen.
  void feed(std::string_view bytes);

  // The next complete request, nullopt when more bytes are needed, or an error (see the
  // file comment). Errors: every RequestError except none, as Errc::bad_input.
  [[nodiscard]] Result<std::optional<Request>> next();

  // The kind of the error most recently returned by next() (none if it never failed).
  RequestError last_error() const noexcept { return last_error_; }
  // True after a framing (sticky) error.
  bool failed() const noexcept { return sticky_ != RequestError::none; }
  // True when no byte of an unfinished request is buffered: EOF here is a clean close.
  bool at_request_boundary() const noexcept;

 private:
  Result<std::optional<Request>> fail_with(RequestError error);
  RequestError add_line(std::string_view line);
  void compact();

  std::string buffer_;
  std::size_t pos_ = 0;      // start of the first line not yet consumed
  std::size_t scanned_ = 0;  // bytes after pos_ already searched for LF and NUL
  std::size_t request_bytes_ = 0;
  Request current_;
  RequestError sticky_ = RequestError::none;
  RequestError last_error_ = RequestError::none;
};

}  // namespace cachet::policy
