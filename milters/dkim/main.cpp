// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/main.cpp: cachet-dkim, the DKIM signing and verifying milter (a drop-in for
// opendkim: `cachet-dkim -x /etc/opendkim.conf`). Everything lives in cachet_dkim_core.
#include "common/milter/milter_daemon.hpp"
#include "milters/dkim/daemon.hpp"

int main(int argc, char** argv) {
  static cachet::dkimd::DkimDaemon daemon;  // connection threads still in a hook at exit outlive main's frame
  return cachet::milter::run_milter_daemon(daemon.spec(), argc, argv);
}
