// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/signal_guard.cpp: takes signal handling away from libmilter.
// smfi_main() starts a thread that sigwait()s for SIGHUP, SIGTERM and SIGINT and STOPS the
// milter on any of them, SIGHUP included (opendmarc#322): with two threads waiting for the
// same signal, which one gets it is up to the kernel, so SIGHUP would sometimes stop the
// daemon instead of reloading it. libmilter is the only caller of sigwait() in our
// processes (common/daemon waits with sigwaitinfo()), so this definition, which the
// executable exports and libmilter binds to in place of libc's, parks libmilter's signal
// thread for good. Every signal then reaches common/daemon's SignalThread, which reloads on
// SIGHUP/SIGUSR1 and stops the runner on SIGTERM/SIGINT.
#include <signal.h>

#include "common/milter/runner.hpp"

extern "C" int sigwait(const sigset_t* /*set*/, int* /*sig*/) {
  sigset_t all;
  sigfillset(&all);
  for (;;) sigsuspend(&all);  // every signal blocked: never wakes, never returns
}

namespace cachet::milter {

// Referenced by MilterRunner::open() so that the linker keeps this object (and with it the
// sigwait() above) in every binary that runs a milter.
bool libmilter_signals_parked() noexcept { return true; }

}  // namespace cachet::milter
