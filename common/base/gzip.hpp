// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/gzip.hpp: gzip (RFC 1952) compression of a buffer in memory, through zlib
// (the only file that includes zlib.h). Used for DMARC aggregate report attachments
// (RFC 7489 s7.2.1.1 / RFC 9990: "the report is compressed with gzip").
// Pure; any thread. Errors: Errc::internal (zlib refused: out of memory).
// See also: common/dmarc/report_mail.hpp, tests/unit/common/base/gzip_test.cpp
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet {

[[nodiscard]] Result<std::string> gzip_compress(std::string_view data);

// For tests and oracles: the decompressed bytes, or Errc::bad_input for anything that is
// not one complete gzip member of at most max_bytes decompressed bytes.
[[nodiscard]] Result<std::string> gunzip(std::string_view data, std::size_t max_bytes);

}  // namespace cachet
