// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/layer_internal.hpp: what runner.cpp and callbacks.cpp share; not for use
// outside common/milter. libmilter's callbacks carry no user pointer, so the runner's
// state is reachable through one process-wide pointer (LIMITATION: one milter per process,
// see runner.hpp). Set once by MilterRunner::open(), never reset (libmilter threads may
// call back until the process exits).
#pragma once

#include <libmilter/mfapi.h>

#include <atomic>

#include "common/log/logger.hpp"
#include "common/milter/runner.hpp"

namespace cachet::milter::detail {

struct Shared {
  MilterSpec spec;
  SessionFactory factory;
  log::Logger* logger = nullptr;
};

extern std::atomic<Shared*> g_shared;
extern std::atomic<long> g_live_sessions;
extern std::atomic<long> g_internal_errors;
extern std::atomic<long> g_hooks_running;

// The smfiDesc for smfi_register; its name points into shared.spec.name.
smfiDesc make_filter_description(Shared& shared);

}  // namespace cachet::milter::detail
