// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/cli.hpp: the daemons' command line. The peers' short flags keep their
// meaning (opendkim: -x conf -f -p socket -u user[:group] -P pidfile -n -V -l; opendmarc the
// same with -c conf); each daemon declares which letter names the config file and whether a
// bare argument may name it (policyd-spf: `policyd-spf /etc/.../policyd-spf.conf`).
//   short            long                 meaning
//   -<config_flag> F --config=F           configuration file
//   -f               --foreground         stay in the foreground, log to stderr
//   -p S             --socket=S           override Socket
//   -u U[:G]         --user=U[:G]         override UserID
//   -P F             --pid-file=F         override PidFile
//   -n               --check-config       check the configuration, print problems, exit
//                    --print-config       as -n, then print the effective configuration
//   -l               --syslog             override Syslog (yes)
//   -V               --version            print the version, exit
//   -h               --help               print usage, exit
//                    --dump-options       (hidden, for the man-page generator) print the
//                                         option table, one tab-separated line per option
// Short flags combine (-fn) and take their argument attached or separate (-xF, -x F); long
// options take `=value` or the next argument; `--` ends the options.
// parse_command_line is pure; errors are Errc::config with a one-line message.
// See also: daemon.hpp (run_daemon), tests/unit/common/daemon/cli_test.cpp
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"

namespace cachet::daemon {

struct CliSpec {
  std::string_view program = "cachet";  // for usage and messages
  char config_flag = 'x';               // opendkim -x, opendmarc -c
  bool positional_config = false;       // policyd-spf: a bare argument names the config file
};

struct CommandLine {
  std::optional<std::string> config_path;
  std::optional<std::string> socket;
  std::optional<std::string> user;
  std::optional<std::string> pid_file;
  bool foreground = false;
  bool check_only = false;    // -n / --check-config / --print-config
  bool print_config = false;  // --print-config
  bool syslog = false;        // -l
  bool version = false;
  bool help = false;
  bool dump_options = false;  // --dump-options (not in usage: a build-time tool's hook)
};

// args excludes argv[0]. Errors: unknown option (a long one within two edits of a known one
// gets "; did you mean --NAME?"), missing argument, argument given to a flag,
// unexpected bare argument, config file named twice.
[[nodiscard]] Result<CommandLine> parse_command_line(const CliSpec& spec, std::span<const std::string_view> args);

// The usage text printed by --help (and after a usage error).
std::string usage(const CliSpec& spec);

// What --dump-options prints: one line per option, fields separated by tabs:
//   name  kind  default  support  doc
// (kind as config::to_string(Kind); support implemented|accepted_no_effect|obsolete; tabs
// and line breaks inside a field become spaces). packaging/man/mkman.py reads it to build
// the OPTIONS list of <binary>.conf(5), so the page cannot drift from the table.
std::string dump_options(config::OptionTable table);

// The command line's overrides of file options: -p → Socket, -u → UserID, -P → PidFile,
// -l → Syslog yes, -f → Background no. -f and -l are only turned into overrides if the
// table declares Background/Syslog; -p/-u/-P always are, so a daemon without that option
// rejects the flag with "command line: Socket: unknown option".
std::vector<config::Override> cli_overrides(const CommandLine& cli, config::OptionTable table);

}  // namespace cachet::daemon
