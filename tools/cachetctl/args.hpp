// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/args.hpp: the command-line reader of cachetctl's subcommands, with the
// conventions of Perl's Getopt::Long in bundling mode (what opendkim-genkey uses) and of
// getopt(3): `-b 2048`, `-b2048`, bundled flags `-rt`, `--bits=2048`, `--bits 2048`,
// `--noflag` / `--no-flag` for negatable flags, `--` ends the options; anything else is an
// operand. Pure: no I/O, no globals; any thread. Errors: Errc::config (a usage error, exit
// 64) naming the option.
// See also: dkim_tools.hpp, tests/unit/tools/cachetctl/dkim_tools_test.cpp (ParseArgs)
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::ctl {

inline constexpr int kExitUsage = 64;   // EX_USAGE
inline constexpr int kExitConfig = 78;  // EX_CONFIG

struct OptionDef {
  int id;
  char short_name;             // '\0': long form only
  std::string_view long_name;  // empty: short form only
  bool takes_value = false;
  bool is_negatable = false;  // --no<name> / --no-<name> accepted
};

struct ParsedOption {
  int id;
  std::string value;  // empty for flags
  bool is_negated = false;
};

struct ParsedArgs {
  std::vector<ParsedOption> options;  // in command-line order
  std::vector<std::string> operands;
};

[[nodiscard]] Result<ParsedArgs> parse_args(const std::vector<std::string>& args, std::span<const OptionDef> defs);

std::vector<std::string> to_strings(std::span<char* const> args);

}  // namespace cachet::ctl
