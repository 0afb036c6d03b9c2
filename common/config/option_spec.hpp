// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/option_spec.hpp: how a daemon declares its configuration options, once,
// as a constexpr table (STYLE.md s8), and the pure value parsers for each Kind.
//
//   inline constexpr OptionSpec kDkimOptions[] = {
//     {"Socket", Kind::socket, "local:/run/cachet-dkim/dkim.sock", "where the MTA connects"},
//     {"DNSTimeout", Kind::seconds, "5", "per-query DNS timeout", Range{1, 30}},
//     {"On-BadSignature", Kind::action, "accept", "action on a bad signature"},
//     {"HELO_reject", Kind::choice, "Fail", "when to reject", Choices{"Fail|Softfail|False"}},
//     {"LDAPUseTLS", Kind::boolean, "no", "LDAP key store", Support::accepted_no_effect},
//     {"ForensicReports", Kind::boolean, "", "renamed to FailureReports", Support::obsolete},
//   };
//   parse_config(text, "dkim.conf", kDkimOptions);   // std::span<const OptionSpec>
//
// Value parsers are pure (no I/O, no logging); they return Errc::config with a message that
// reads well after "file:line: Name: ". Any thread.
// See also: config.hpp (the parser and the snapshot), dataset.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::config {

enum class Kind {
  string,   // any text (rest of the line, trimmed)
  secret,   // like string, but never printed (passwords)
  boolean,  // yes/no, true/false, on/off, 1/0, y/n, t/f (any case)
  integer,  // decimal, optional leading '-', checked against Range
  octal,    // octal number such as UMask 002 (leading 0 optional), checked against Range
  seconds,  // integer with optional suffix s, m, h, d; Range applies to the seconds
  path,     // non-empty text naming a file
  socket,   // a socket spec (local:/unix:/path, inet:port@host, inet6:port@host)
  action,   // accept|discard|quarantine|reject|tempfail, or their first letters (opendkim)
  choice,   // one of the '|'-separated Choices (compared case-insensitively)
  list,     // items separated by commas and/or blanks; a repeated line appends
  dataset,  // an opendkim data set spec (csl:, file:, refile:, /path, a,b,c); see dataset.hpp
};

// implemented: we honour it. accepted_no_effect: a peer's option we accept and ignore, with
// one warning. obsolete: a name the peer retired; naming it is an error whose text is `doc`.
enum class Support { implemented, accepted_no_effect, obsolete };

struct Range {
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

struct Choices {
  std::string_view alternatives;  // "Fail|SPF_Not_Pass|Softfail"
};

struct OptionSpec {
  std::string_view name;
  Kind kind = Kind::string;
  std::string_view default_value;  // "" = unset; the getters then return an empty value
  std::string_view doc;
  Range range{};
  Support support = Support::implemented;
  Choices choices{};

  constexpr OptionSpec(std::string_view n, Kind k, std::string_view d, std::string_view text)
      : name(n), kind(k), default_value(d), doc(text) {}
  constexpr OptionSpec(std::string_view n, Kind k, std::string_view d, std::string_view text, Range r,
                       Support s = Support::implemented)
      : name(n), kind(k), default_value(d), doc(text), range(r), support(s) {}
  constexpr OptionSpec(std::string_view n, Kind k, std::string_view d, std::string_view text, Support s)
      : name(n), kind(k), default_value(d), doc(text), support(s) {}
  constexpr OptionSpec(std::string_view n, Kind k, std::string_view d, std::string_view text, Choices c,
                       Support s = Support::implemented)
      : name(n), kind(k), default_value(d), doc(text), support(s), choices(c) {}
};

using OptionTable = std::span<const OptionSpec>;

// The opendkim action vocabulary (opendkim.conf(5) On-*).
enum class Action { accept, discard, quarantine, reject, tempfail };
const char* to_string(Action a) noexcept;
const char* to_string(Kind k) noexcept;

// Case-insensitive lookup; nullptr when the table has no such name.
const OptionSpec* find_option(OptionTable table, std::string_view name) noexcept;

// Pure value parsers. Each fails with Errc::config and a message such as
// "90 exceeds maximum 30" or "'maybe' is not a boolean (yes/no)".
[[nodiscard]] Result<bool> parse_boolean(std::string_view v);
[[nodiscard]] Result<std::int64_t> parse_integer(std::string_view v, Range r = {});
[[nodiscard]] Result<std::int64_t> parse_octal(std::string_view v, Range r = {});
[[nodiscard]] Result<std::int64_t> parse_seconds(std::string_view v, Range r = {});
[[nodiscard]] Result<Action> parse_action(std::string_view v);
// Returns the alternative as spelled in the table.
[[nodiscard]] Result<std::string> parse_choice(std::string_view v, Choices c);
// Splits on commas and blanks, dropping empty items. Never fails.
std::vector<std::string> parse_list(std::string_view v);

// Validates v as a value of option o (its Kind, Range, Choices); the same check the parser
// applies to file values, command-line overrides and defaults.
[[nodiscard]] Result<void> check_value(const OptionSpec& o, std::string_view v);

// Checks a table for developer mistakes: empty or duplicate names (case-insensitive),
// names with characters the parser cannot read, defaults that do not parse as their Kind,
// choice options without alternatives. Returns one message per mistake; empty = sound.
std::vector<std::string> validate_table(OptionTable table);

}  // namespace cachet::config
