// SPDX-License-Identifier: BSD-2-Clause
//
// common/postfix/main_cf.hpp: a small reader for Postfix main.cf (postconf(5) syntax), so a
// daemon can take its facts from the admin's one source of truth instead of repeating them:
//  * `name = value` per logical line; a line starting with whitespace continues the
//    previous one; blank lines and lines whose first non-blank is '#' are skipped (the same
//    readllines() rules as table sources, common/tables/lines.hpp); a later line for the
//    same name wins, as in Postfix.
//  * `$name`, `${name}`, `$(name)` expand recursively; `$$` is a literal '$';
//    `${name?text}` is text if name is non-empty, `${name:text}` text if it is empty
//    (postconf(5)). An unknown name expands to the built-in default given by the caller,
//    else to nothing.
//  * `local_facts()` derives what smtpd_sender_login_maps needs: the local domains
//    ($myorigin, $mydestination, [addresses] of $inet_interfaces/$proxy_interfaces) and
//    recipient_delimiter, with Postfix's defaults for unset parameters.
// LIMITATION: mydestination entries of the form type:table (lookup tables) and host
// names in inet_interfaces are not resolved: they are listed in LocalFacts::unresolved for
// the caller to warn about. inet_interfaces = all (the default) adds no [address] literal
// (the machine's addresses are not enumerated). $myhostname's default (the system's
// FQDN) must be supplied by the caller.
// Pure: no I/O, no logging, no globals; any thread. Errors (Errc::config, "file:line:
// ..."): those of read_logical_lines (NUL byte, line too long), a line that is not
// `name = value`, expansion deeper than kMaxExpansionDepth or longer than
// kMaxExpandedBytes.
// See also: tests/unit/common/postfix/main_cf_test.cpp
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::postfix {

// A main.cf larger than this is refused by callers that read it (postconf -n output is
// a few KiB).
inline constexpr std::size_t kMaxMainCfBytes = 4u << 20;
// Recursion limit for $name expansion (Postfix's own is 100, mac_expand.c).
inline constexpr int kMaxExpansionDepth = 100;
// An expanded value longer than this is refused (a loop such as a = $a$a doubles).
inline constexpr std::size_t kMaxExpandedBytes = 1u << 20;

class MainCf {
 public:
  // The raw value of a parameter as written (not expanded), or nullopt if unset.
  std::optional<std::string_view> raw(std::string_view name) const;
  // The value with $name expansion. Parameters not in the file take `defaults` (also
  // expanded), else "". Errors: see the file comment.
  [[nodiscard]] Result<std::string> expand(std::string_view name) const;
  // Expands arbitrary text against the parameters.
  [[nodiscard]] Result<std::string> expand_text(std::string_view text) const;
  // "main.cf:12" for a parameter read from the file, "" otherwise.
  std::string origin(std::string_view name) const;

  void set(std::string name, std::string value, std::size_t line);
  void set_default(std::string name, std::string value);
  std::string file_name;

 private:
  Result<void> expand_into(std::string_view text, std::string& out, int depth) const;
  struct Param {
    std::string value;
    std::size_t line = 0;
  };
  std::map<std::string, Param, std::less<>> params_;
  std::map<std::string, std::string, std::less<>> defaults_;
};

// Parses main.cf text. Errors: see the file comment.
[[nodiscard]] Result<MainCf> parse_main_cf(std::string_view text, std::string_view file_name);

// Splits a Postfix list value on commas and whitespace (CHARS_COMMA_SP), dropping empties.
// keep_quoted: separators inside double quotes do not split (aliases(5) "|command args").
std::vector<std::string> split_list(std::string_view value, bool keep_quoted = false);

struct LocalFacts {
  std::string myorigin;                 // expanded, lower case (unqualified senders get it)
  std::vector<std::string> domains;     // lower case, no trailing dot; "[1.2.3.4]" forms too
  std::string recipient_delimiter;      // "" = no extensions
  std::vector<std::string> unresolved;  // entries we cannot evaluate (type:table, hosts)
};

// Local domains and delimiter per postconf(5), with Postfix's defaults: myhostname =
// `system_hostname`, mydomain = myhostname minus its first label, myorigin = $myhostname,
// mydestination = $myhostname, localhost.$mydomain, localhost; inet_interfaces = all.
// Errors: those of expand().
[[nodiscard]] Result<LocalFacts> local_facts(MainCf cf, std::string_view system_hostname);

// True when `domain` (case-insensitive, a trailing dot ignored) is one of facts.domains.
bool is_local(const LocalFacts& facts, std::string_view domain) noexcept;

}  // namespace cachet::postfix
