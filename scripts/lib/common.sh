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
