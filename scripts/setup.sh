#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine: system packages
# (when run as root and missing), a virtualenv in .venv, and the package with its
# test dependencies. Safe to run again; it skips what is already there.
#   PYTHON=python3.12 VENV=.venv-3.12 scripts/setup.sh   another Python, in its own virtualenv
#   EXTRA_DEBIAN_PACKAGES="libreoffice-calc-nogui"        more Debian packages (test.sh: LibreOffice)
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(poppler-utils fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 gcc python3-dev)
read -r -a extra <<<"${EXTRA_DEBIAN_PACKAGES:-}"
DEBIAN_PACKAGES+=("${extra[@]}")
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
      echo "setup: installing Debian packages: ${missing[*]}" >&2
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: please install these Debian packages: ${missing[*]}" >&2
    fi
  fi
fi

if [ -n "${PYTHON:-}" ]; then
  "$PYTHON" -c "" >/dev/null 2>&1 || { echo "setup: $PYTHON does not run" >&2; exit 1; }
else
  PYTHON=python3.11
  command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
fi
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "^WARNING: Location" >&2 || true
"$VENV/bin/python" -c "import compliance.evaluation.engine, weasyprint" >/dev/null
