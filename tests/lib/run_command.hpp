// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/run_command.hpp: runs a program to completion for integration tests (cachetctl,
// the peers' tools): argv, optional standard input, captured stdout and stderr, exit
// status. fork/execv (no shell, no PATH search: give absolute paths); the child is killed
// by its pid when the deadline passes. Errors: Errc::internal (fork/pipe failure),
// Errc::temporary (deadline; the child is killed and reaped).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::testlib {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

[[nodiscard]] Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::string& input = {},
                                                std::chrono::milliseconds deadline = std::chrono::seconds(60));

}  // namespace cachet::testlib
