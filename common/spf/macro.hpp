// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/macro.hpp: RFC 7208 s7 macro expansion, used for explanation text (s6.2).
// libspf2 1.2.10 mangles explanations (spaces become '%', %{ir} %{p} %{c} stay
// unexpanded, URL escapes are lower case), so the engine expands exp= text itself.
// Pure function: no I/O (the caller resolves %{p} beforehand), no globals; any thread.
// See also: engine.cpp, tests/unit/common/spf/macro_test.cpp
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::spf {

// Expansion output is cut at this size (explanations go into SMTP replies).
inline constexpr std::size_t kMaxExpansionBytes = 1024;

struct MacroContext {
  std::string_view sender;         // s: <sender> (local-part@domain)
  std::string_view local_part;     // l
  std::string_view sender_domain;  // o
  std::string_view domain;         // d: the current domain
  std::string_view ip_dotted;      // i: dotted quad, or dot-separated IPv6 nibbles
  std::string_view ptr_name;       // p: validated domain name of <ip>, or "unknown"
  std::string_view ip_version;     // v: "in-addr" or "ip6"
  std::string_view helo;           // h
  std::string_view client_ip;      // c: printable <ip> (exp only)
  std::string_view receiver;       // r: receiving host (exp only)
  std::string_view timestamp;      // t: seconds since the epoch (exp only)
};

// Expands a macro-string (explain-string when is_exp: spaces allowed, c/r/t allowed).
// Errors (Errc::permanent): malformed %-escape, unknown macro letter, c/r/t outside exp.
[[nodiscard]] Result<std::string> expand_macros(std::string_view text, const MacroContext& ctx, bool is_exp);

// True if the text uses the p macro (which needs DNS before expansion).
bool uses_ptr_macro(std::string_view text) noexcept;

}  // namespace cachet::spf
