// SPDX-License-Identifier: BSD-2-Clause
// milters/dmarc/main.cpp: cachet-dmarc, the DMARC milter (a drop-in for opendmarc:
// `cachet-dmarc -c /etc/opendmarc.conf`). Everything lives in cachet_dmarc_core.
#include "common/milter/milter_daemon.hpp"
#include "milters/dmarc/daemon.hpp"

int main(int argc, char** argv) {
  static cachet::dmarcd::DmarcDaemon daemon;  // connection threads still in a hook at exit outlive main's frame
  return cachet::milter::run_milter_daemon(daemon.spec(), argc, argv);
}
