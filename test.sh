#!/usr/bin/env bash
# Set everything up, then run the test suite. The set-up also installs, when run as root
# on Debian and they are missing, LibreOffice (libreoffice-calc-nogui) for the round-trip
# tests in tests/test_formats.py, and Debian's Chromium and ChromeDriver (chromium,
# chromium-driver) for the portal's browser tests; without them those tests skip.
# PYTHON and VENV choose another Python and virtualenv:
#   PYTHON=python3.12 VENV=.venv-3.12 ./test.sh
set -euo pipefail
cd "$(dirname "$0")"
libreoffice=libreoffice-calc-nogui
# A LibreOffice already there (the full libreoffice-calc conflicts with the nogui one) is used as it is.
if command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1; then
  libreoffice=""
fi
browser=""
command -v chromium >/dev/null 2>&1 || browser="chromium"
command -v chromedriver >/dev/null 2>&1 || browser="$browser chromium-driver"
EXTRA_DEBIAN_PACKAGES="$libreoffice $browser ${EXTRA_DEBIAN_PACKAGES:-}" scripts/setup.sh
exec "${VENV:-.venv}/bin/python" -m pytest "$@"
