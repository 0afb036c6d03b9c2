// SPDX-License-Identifier: BSD-2-Clause
// policyd/spf/main.cpp: cachet-spf, the SPF policy service (drop-in for policyd-spf).
// Everything lives in cachet_spf_core; see spf_daemon.hpp and cachet-spf.8.md.
#include "policyd/spf/spf_daemon.hpp"

int main(int argc, char** argv) { return cachet::spfd::run_spf(argc, argv); }
