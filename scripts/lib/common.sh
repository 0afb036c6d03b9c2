# SPDX-License-Identifier: BSD-2-Clause
# Shared by scripts/test and scripts/demo: where things are, package installation, build.
# Sourced, not run.

CACHET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CACHET_TESTDATA=${CACHET_TESTDATA:-$(cd "$CACHET_ROOT/.." && pwd)/shared/testdata}
JOBS=${JOBS:-$(nproc)}

say() { printf '\n== %s\n' "$*"; }

# Installs every Debian package named in scripts/packages.d/*.txt that is not installed yet.
# Idempotent: does nothing (and needs no root) when all are present.
install_packages() {
  local missing=() p
  while read -r p; do
    [ -z "$p" ] && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$CACHET_ROOT"/scripts/packages.d/*.txt | sort -u)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    return 1
  fi
  say "installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix must not write a system main.cf: the tests bring their own instance.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build PRESET [TARGET...]: configure and build one CMake preset (all targets by default).
# The array CMAKE_ARGS (empty unless the caller sets it) adds cache settings to the configure
# step.
build() {
  local preset=$1
  shift
  say "building ($preset${*:+: $*})"
  cmake --preset "$preset" -S "$CACHET_ROOT" "${CMAKE_ARGS[@]}" >/dev/null
  cmake --build "$CACHET_ROOT/build/$preset" -j "$JOBS" ${*:+--target "$@"}
}
CMAKE_ARGS=()

# Stages: scripts/test runs every stage even when an earlier one fails, so one failure does
# not hide the rest, then fails with the list (finish_stages).
FAILED_STAGES=()
STAGE_TIMES=()  # "<seconds> s  <name>" per stage run, for the summary
STAGE_LOGS=""  # made by the first stage: where run_ctest keeps its output for the summary

# stage NAME CMD...: runs CMD in a subshell with errexit on; records NAME when it fails.
stage() {
  local name=$1 rc
  shift
  [ -n "$STAGE_LOGS" ] || STAGE_LOGS=$(mktemp -d /tmp/cachet-stages.XXXXXX)
  say "$name"
  local started=$SECONDS
  set +e
  (set -e; "$@")
  rc=$?
  set -e
  STAGE_TIMES+=("$((SECONDS - started)) s  $name")
  [ "$rc" -eq 0 ] || { FAILED_STAGES+=("$name"); echo "stage '$name' failed (exit $rc)" >&2; }
}

# run_ctest ARGS...: ctest with ARGS, output kept for the summary; fails on no tests too.
run_ctest() {
  ctest --no-tests=error "$@" 2>&1 | tee "$STAGE_LOGS/ctest.$(ls "$STAGE_LOGS" | wc -l).log"
  return "${PIPESTATUS[0]}"
}

# run_tsan_tests: the `tsan` tests of build/tsan. A race stops the process that has it
# (halt_on_error), so its test fails, also when it happened in a helper process such as
# cachet-test-milter; every report is also written next to the build and shown here.
# tests/tsan.supp lists the races outside our code that are suppressed, with the reason.
run_tsan_tests() {
  local reports=$CACHET_ROOT/build/tsan/reports
  rm -rf "$reports"
  mkdir -p "$reports"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 log_path=$reports/tsan suppressions=$CACHET_ROOT/tests/tsan.supp" \
    run_ctest --test-dir "$CACHET_ROOT/build/tsan" -L tsan -j "$JOBS" --output-on-failure
  if [ -n "$(ls -A "$reports")" ]; then
    cat "$reports"/* >&2
    echo "ThreadSanitizer reported $(ls "$reports" | wc -l) process(es): see above" >&2
    return 1
  fi
}

# finish_stages: names the failed stages, then ends with one line in ctest's summary format
# over every run_ctest of the script; exits 1 when a stage failed.
finish_stages() {
  local passed=0 failed=0 total=0 p f
  while read -r p f; do
    total=$((total + p + f)); passed=$((passed + p)); failed=$((failed + f))
  done < <(cat "${STAGE_LOGS:-/nonexistent}"/ctest.*.log 2>/dev/null |
             sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\)$/\2 \1/p' |
             awk '{print $1 - $2, $2}')
  [ -z "$STAGE_LOGS" ] || rm -rf "$STAGE_LOGS"
  say "all stages: ${#FAILED_STAGES[@]} failed${FAILED_STAGES:+: ${FAILED_STAGES[*]}}"
  printf '  %s\n' "${STAGE_TIMES[@]}"
  echo "$(( total ? passed * 100 / total : 0 ))% tests passed, $failed tests failed out of $total"
  [ ${#FAILED_STAGES[@]} -eq 0 ]
}
