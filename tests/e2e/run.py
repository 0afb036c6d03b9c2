#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/run.py: runs end-to-end scenarios (tests/e2e/scenarios/*.py) against a running
# stack (tests/e2e/stack/start; found through E2E_STACK_DIR / E2E_NETNS).
#   run.py --list        scenario names, one per line (CMake registers e2e.<name> from this)
#   run.py NAME...       run these scenarios as tests: exit 0 passed, 1 failed,
#                        77 skipped (not root, or the stack was skipped: the reason is printed)
#   run.py --demo        run every scenario in order, narrate, go on after a failure,
#                        print a summary; exit 1 if any failed
#   run.py --all         the same as one test (the observability stack runs every scenario
#                        with JSON logs and metrics on: tests/e2e/CMakeLists.txt)
# Scenarios declared with observe=True (checks of the observability stack) run by name only.
# Re-executes itself inside the stack's network namespace (through bin/in-stack), so that
# sockets, swaks and DNS all see the stack and nothing else. Standard library only.
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cachet_e2e.scenario import CheckFailed, Context, ScenarioSkipped, load_scenarios  # noqa: E402
from cachet_e2e.stack import Stack, StackError, default_stack_dir  # noqa: E402

SKIP = 77
REQUIRED_PROGRAMS = ("postfix", "dovecot", "unbound", "swaks", "drill", "smtp-sink", "nsenter")


def skip_reason() -> str | None:
    """Why the stack cannot run here, or None. Mirrors stack/start's own checks."""
    if os.geteuid() != 0:
        return "the e2e tests need root (network namespaces, Postfix and Dovecot masters)"
    missing = [p for p in REQUIRED_PROGRAMS if not shutil.which(p)]
    if shutil.which("perl") and subprocess.run(["perl", "-MNet::SSLeay", "-e", "1"],
                                               capture_output=True).returncode != 0:
        missing.append("libnet-ssleay-perl")  # swaks' TLS
    if missing:
        return f"missing {' '.join(missing)} (see scripts/packages.d/e2e.txt)"
    return None


def enter_stack(argv: list[str]) -> Stack:
    """Loads the stack's facts; if this process is outside its namespace, re-executes there."""
    stack = Stack.load(default_stack_dir())
    if not stack.is_inside():
        os.execv(stack.in_stack, [stack.in_stack, sys.executable, str(Path(__file__).resolve()), *argv])
    return stack


def run_one(stack: Stack, scenario) -> tuple[bool | None, float]:
    """Runs one scenario, printing its title, narrative, checks and verdict. None: skipped."""
    print(f"== {scenario.title}  [e2e.{scenario.name}]", flush=True)
    ctx = Context(stack, scenario)
    started = time.monotonic()
    try:
        scenario.run(ctx)
        # A scenario that returns without checking anything proved nothing: it fails.
        passed = ctx.checks > 0
        if not passed:
            print("    FAILED: the scenario returned without a single check", flush=True)
    except ScenarioSkipped as why:
        print(f"SKIP: {why}", flush=True)
        return None, time.monotonic() - started
    except (CheckFailed, StackError) as failure:
        print(f"    FAILED: {failure}", flush=True)
        passed = False
    except Exception:  # a bug in the scenario: show where
        print("    FAILED with an exception:", flush=True)
        traceback.print_exc(file=sys.stdout)
        passed = False
    took = time.monotonic() - started
    verdict = "PASS" if passed else "FAIL"
    print(f"   {verdict} e2e.{scenario.name}: {ctx.checks} checks in {took:.2f}s", flush=True)
    return passed, took


def main() -> int:
    parser = argparse.ArgumentParser(description="Runs e2e scenarios against a running stack.")
    parser.add_argument("--list", action="store_true", help="print scenario names")
    parser.add_argument("--demo", action="store_true", help="run all scenarios, narrated")
    parser.add_argument("--all", action="store_true", help="run all scenarios as one test")
    parser.add_argument("names", nargs="*", help="scenarios to run as tests")
    args = parser.parse_args()
    if (args.list + args.demo + args.all + bool(args.names)) != 1:
        parser.error("give exactly one of --list, --demo, --all or scenario names")

    scenarios = load_scenarios(HERE / "scenarios")
    ordinary = [s for s in scenarios if not s.observe]
    if args.list:
        print("\n".join(s.name for s in ordinary))
        return 0
    by_name = {s.name: s for s in scenarios}
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        print(f"unknown scenario(s): {' '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = ordinary if args.demo or args.all else [by_name[n] for n in args.names]

    reason = skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        return SKIP
    try:
        stack = enter_stack(sys.argv[1:])
    except StackError as missing:
        print(f"FAILED: {missing}")
        return 1

    results = [(s, *run_one(stack, s)) for s in chosen]
    if args.demo or len(results) > 1:
        failed = [s.name for s, passed, _ in results if passed is False]
        skipped = [s.name for s, passed, _ in results if passed is None]
        total = sum(took for _, _, took in results)
        print(f"\n{len(results) - len(failed) - len(skipped)} of {len(results)} scenarios passed in {total:.1f}s"
              + (f"; failed: {' '.join(failed)}" if failed else "")
              + (f"; skipped: {' '.join(skipped)}" if skipped else ""))
    if any(passed is False for _, passed, _ in results):
        return 1
    return SKIP if results and all(passed is None for _, passed, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
