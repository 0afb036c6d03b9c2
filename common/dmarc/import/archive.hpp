// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/archive.hpp: unpacks a report attachment: gzip (RFC 1952, what
// Microsoft, Yahoo and most senders attach) or zip with one file (Google's and a few
// others'), or plain XML passed through. The only file that includes archive.h.
// Why libarchive: one mature, fuzzed library reads both containers (zip via its central
// directory, stored and deflated entries, zip64, data descriptors; multi-member gzip), so
// no container parser of our own faces hostile bytes; zlib alone would have left the zip
// directory to us. Only the zip format and the gzip filter (with the raw format for bare
// gzip) are enabled, so no other of libarchive's formats is reachable from a report mail.
// Limits: the expanded report must fit kMaxReportBytes (a zip or gzip bomb stops at the
// limit, the rest is never inflated); a zip holds exactly one regular file whose name is a
// plain file name (no '/', '\', "..", NUL): several files or a path are refused.
// Pure over memory: no files, no logging; any thread (one libarchive handle per call).
// Errors (Errc::bad_input): the format's own error text (truncated gzip, bad CRC...),
// the limits above, an empty result.
// See also: mime.hpp, report_mail.hpp, tests/unit/common/dmarc/import/archive_test.cpp
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::dmarc::import {

inline constexpr std::size_t kMaxReportBytes = 50u * 1024 * 1024;

enum class Packing { plain, gzip, zip };

// By magic bytes: 1f 8b is gzip, "PK\3\4" (or an empty zip's "PK\5\6") is zip, else plain.
Packing detect_packing(std::string_view bytes) noexcept;

// The report bytes inside `bytes` (plain input is returned as is, within the limit).
[[nodiscard]] Result<std::string> unpack_report(std::string_view bytes, std::size_t max_bytes = kMaxReportBytes);

}  // namespace cachet::dmarc::import
