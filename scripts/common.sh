# Shared by run.sh and test.sh: install what is missing, then build with CMake.
# shellcheck shell=bash
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

# Packages of the given kinds from scripts/packages.txt.
packages_of() {
  local kinds="$*"
  awk -v kinds=" $kinds " '!/^#/ && NF == 2 && index(kinds, " " $1 " ") { print $2 }' "$ROOT/scripts/packages.txt"
}

# Installs the packages of the given kinds that are not installed yet.
install_missing() {
  local missing=()
  local pkg
  for pkg in $(packages_of "$@"); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # postfix asks which setup it should configure; the tests run their own instances.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Runs a command and says how long it took, so a CI log shows where its time goes.
timed() {
  local what=$1 started=$SECONDS
  shift
  "$@"
  echo "== $what: $((SECONDS - started)) s (${SECONDS} s since the start)"
}

# configure + build; extra arguments go to cmake's configure step.
build() {
  local type=$1; shift
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}
