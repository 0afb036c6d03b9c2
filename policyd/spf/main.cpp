// SPDX-License-Identifier: BSD-2-Clause
// policyd/spf/main.cpp: cachet-spf, the SPF policy service (drop-in for policyd-spf).
// Everything lives in cachet_spf_core; see daemon.hpp and cachet-spf.8.md.
#include "common/policy/policy_daemon.hpp"
#include "policyd/spf/daemon.hpp"

int main(int argc, char** argv) { return cachet::policy::run_policy_daemon(cachet::spfd::daemon_spec(), argc, argv); }
