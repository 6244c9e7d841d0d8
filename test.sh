#!/usr/bin/env bash
# Set everything up, then run the test suite. The set-up also installs LibreOffice
# (libreoffice-calc-nogui, when run as root on Debian) for the round-trip tests in
# tests/test_formats.py; without it they skip. PYTHON and VENV choose another
# Python and virtualenv, e.g. PYTHON=python3.12 VENV=.venv-3.12 ./test.sh
set -euo pipefail
cd "$(dirname "$0")"
EXTRA_DEBIAN_PACKAGES="libreoffice-calc-nogui ${EXTRA_DEBIAN_PACKAGES:-}" scripts/setup.sh
exec "${VENV:-.venv}/bin/python" -m pytest "$@"
