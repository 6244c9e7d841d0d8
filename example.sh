#!/usr/bin/env bash
# Set everything up, then check the bundled non-compliant hospital and write its
# Excel gap workbook and PDF inspection report to reports/example/.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
.venv/bin/compliance template >/dev/null
set +e
.venv/bin/compliance check examples/hospital-noncompliant.xlsx --out reports/example
status=$?
set -e
echo "exit code $status (0 compliant, 1 findings, 2 usage or input error); reports in reports/example/" >&2
[ "$status" -le 1 ]
