#!/usr/bin/env bash
# Set everything up, then run the test suite. The set-up also installs LibreOffice
# (libreoffice-calc-nogui, when run as root on Debian and there is no soffice yet)
# for the round-trip tests in tests/test_formats.py; without it they skip.
# PYTHON and VENV choose another Python and virtualenv:
#   PYTHON=python3.12 VENV=.venv-3.12 ./test.sh
set -euo pipefail
cd "$(dirname "$0")"
libreoffice=libreoffice-calc-nogui
# A LibreOffice already there (the full libreoffice-calc conflicts with the nogui one) is used as it is.
if command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1; then
  libreoffice=""
fi
EXTRA_DEBIAN_PACKAGES="$libreoffice ${EXTRA_DEBIAN_PACKAGES:-}" scripts/setup.sh
exec "${VENV:-.venv}/bin/python" -m pytest "$@"
