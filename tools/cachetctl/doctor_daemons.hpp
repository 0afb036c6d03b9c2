// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/doctor_daemons.hpp: the daemons half of `cachetctl doctor`: for each
// daemon installed in --sbin-dir with its configuration in /etc/cachet: its check mode
// passes (run as the daemon's packaged user when doctor runs as root, as the unit's
// ExecStartPre does), and its socket answers: a milter OPTNEG (cachet-dkim, cachet-dmarc)
// or a policy request (cachet-spf's unit socket, cachet-sender).
// I/O: fork/exec, UNIX socket connections with a 5 s deadline. Single-threaded tool code.
// See also: cmd_doctor.cpp, common/doctor/report.hpp
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/doctor/report.hpp"

namespace cachet::ctl {

struct DaemonPlaces {
  std::string sbin_dir = "/usr/sbin";
  std::string config_dir = "/etc/cachet";
  // Daemons master.cf runs with spawn(8) ("cachet-spf"): their unit's socket need not
  // exist (docs/migrating.md section 4 keeps cachet-spf spawned, the unit disabled).
  std::vector<std::string> spawned;
};

void check_daemons(const DaemonPlaces& places, doctor::Findings& out);

// A program's exit status and output (at most `max_bytes`), run with argv[0] as the path,
// as `user` when we are root and the user exists (else as ourselves).
struct CommandRun {
  int status = -1;     // -1: could not run (pipe/fork failed); 127: exec failed
  std::string output;  // standard output (and standard error with `with_stderr`)
  std::string as;      // the user it ran as
};
CommandRun run_program(const std::vector<std::string>& argv, const std::string& user, bool with_stderr,
                       std::size_t max_bytes);

// A milter's option negotiation on a UNIX socket. Errors: temporary (connect, timeout, no
// or a wrong reply), with the reason.
[[nodiscard]] Result<void> probe_milter(const std::string& path);
// One policy request; returns the action line. Errors: temporary, as probe_milter.
[[nodiscard]] Result<std::string> probe_policy(const std::string& path);

}  // namespace cachet::ctl
