#!/usr/bin/env bash
# Set everything up, then check the bundled non-compliant hospital and write its
# Excel gap workbook and PDF inspection report to reports/example/; then audit the
# five bundled quarters of Sichuan province (examples/audit/) in order into
# reports/example-audit/out/, with a history store of their own in
# reports/example-audit/store.sqlite3, and print the province's history.
# Rerunnable: a second run reruns the audits (same run ids, same files, no new store rows).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
.venv/bin/compliance template >/dev/null
status=0
.venv/bin/compliance check examples/hospital-noncompliant.xlsx --out reports/example || status=$?
echo "exit code $status (0 compliant, 1 findings, 2 usage or input error); reports in reports/example/" >&2
[ "$status" -le 1 ] || exit "$status"

# The quarterly audit. DATABASE_URL names this example's own store, never the user's.
audit=reports/example-audit
mkdir -p "$audit"
export DATABASE_URL="sqlite:///$(pwd)/$audit/store.sqlite3"
.venv/bin/compliance db migrate
for period in 2024Q4 2025Q1 2025Q2 2025Q3 2025Q4; do
    status=0  # 1 (findings) is an audit's normal outcome; 2 or more stops the script
    .venv/bin/compliance audit --profile sichuan-province --period "$period" --inbox examples/audit/inbox \
        --out "$audit/out" --progress lines || status=$?
    [ "$status" -le 1 ] || { echo "audit of $period: exit code $status; see $audit/out/audit.log" >&2; exit "$status"; }
done
.venv/bin/compliance history 510000
echo "audits in $audit/out/sichuan-province/<period>/, log $audit/out/audit.log, store $audit/store.sqlite3" >&2
