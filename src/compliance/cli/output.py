"""Findings on standard output: a table for people, JSON for programs."""

from __future__ import annotations

import json
from typing import Any

from tabulate import tabulate

from compliance.evaluation.evaluate import CheckResult
from compliance.results.status import STATUS_LABEL_ZH


def result_to_json(result: CheckResult) -> dict[str, Any]:
    return {
        "profile": result.profile.name,
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "findings": [finding.to_dict() for finding in result.findings],
        "files": [outcome.to_dict() for outcome in result.outcomes],
        "data_problems": [problem.to_dict() for problem in result.problems],
    }


def findings_json(result: CheckResult) -> str:
    return json.dumps(result_to_json(result), ensure_ascii=False, indent=2, default=str)


def findings_table(result: CheckResult) -> str:
    rows = [
        [
            f.subject_id,
            f.period,
            f.rule_id,
            f"{f.status.value} {STATUS_LABEL_ZH[f.status]}",
            f.observed_text,
            f.required_text,
            f.gap_text,
            f.message if len(f.message) <= 60 else f.message[:58] + "…",
        ]
        for f in result.findings
    ]
    headers = ["subject", "period", "rule", "status", "observed", "required", "gap", "message"]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
