// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/command.hpp: the subcommand table of cachetctl. A subcommand is a
// function taking its own arguments (after the subcommand name) and returning the exit
// status (0 ok, 1 a negative answer such as "key does not match", 64 usage, 78 config).
#pragma once

#include <span>
#include <string_view>

namespace cachet::ctl {

using CommandFn = int (*)(std::span<char* const> args);

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `cachetctl help`
  CommandFn run;
};

// Every subcommand, in the order `cachetctl help` lists them (commands.cpp).
std::span<const Command> commands();

}  // namespace cachet::ctl
