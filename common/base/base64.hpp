// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/base64.hpp: RFC 4648 base64 (standard alphabet, with padding), as DKIM uses
// it for b=, bh= and p=. Pure; any thread. The decoder is strict: it skips nothing, so
// callers remove folding whitespace first (strip_whitespace); bad characters, bad
// padding or non-zero pad bits are an error (nullopt).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cachet {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// Removes SP, HTAB, CR and LF (FWS inside DKIM base64 values, RFC 6376 s3.5).
std::string strip_whitespace(std::string_view text);

}  // namespace cachet
