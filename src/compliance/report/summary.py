"""Figures shared by the Excel and PDF reports: counts, rates, ordering, file names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from compliance.results.findings import Finding
from compliance.results.run import CheckResult
from compliance.results.status import SEVERITY_ORDER, SEVERITY_RANK, Status

OK_STATUSES = (Status.PASS, Status.WAIVED, Status.NOT_DUE)
GAP_STATUSES = (Status.FAIL, Status.WARN, Status.NOT_DUE)


@dataclass(frozen=True)
class StatusCounts:
    counts: dict[Status, int]

    @property
    def applicable(self) -> int:
        return sum(n for s, n in self.counts.items() if s is not Status.NOT_APPLICABLE)

    @property
    def ok(self) -> int:
        return sum(self.counts.get(s, 0) for s in OK_STATUSES)

    @property
    def compliance_rate(self) -> float | None:
        """Share of applicable, judged findings that pass (not_due and waived count as judged-ok)."""
        judged = self.applicable
        return self.ok / judged if judged else None

    def rows(self) -> list[tuple[Status, int]]:
        return [(s, self.counts.get(s, 0)) for s in SEVERITY_ORDER]


def count_statuses(findings: Iterable[Finding]) -> StatusCounts:
    counter = Counter(f.status for f in findings)
    return StatusCounts({s: counter.get(s, 0) for s in Status})


def ordered_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst status first, then domain and rule id, so the report opens with what to fix."""
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f.status], f.domain, f.rule_id))


def missed_share(finding: Finding) -> float:
    """How much of the requirement a finding misses, comparable across units: the gap as a share
    of the required value (8 points short of 60 % is 13 %; 300 元 over a 1,000 元 cap is 30 %).
    A yes/no or deadline requirement missed, or a zero target missed, counts as 100 %; for every
    unit of a region, the share of units that miss it."""
    gap = finding.gap.number if finding.gap is not None else None
    if finding.kind in ("boolean", "deadline"):
        return 1.0
    if finding.kind == "all":
        total = finding.observed.of if finding.observed is not None else None
        return (gap or 0.0) / total if total else 1.0
    if not gap:
        return 0.0
    threshold = finding.required.threshold.number if finding.required is not None else None
    return abs(gap / threshold) if threshold else 1.0


def largest_gaps(findings: Iterable[Finding], limit: int = 3) -> list[Finding]:
    """Findings that miss their requirement (fail, warn, not yet due), the largest gap first, by
    :func:`missed_share`; ties go to the worse status, then to the larger money amount (in 元)."""
    failing = [f for f in findings if f.status in GAP_STATUSES]

    def money(finding: Finding) -> float:
        amount = finding.gap_amount
        return (amount.in_yuan() or 0.0) if amount is not None else 0.0

    return sorted(failing, key=lambda f: (-missed_share(f), SEVERITY_RANK[f.status], -money(f)))[:limit]


def all_counts(result: CheckResult) -> StatusCounts:
    return count_statuses(result.findings)
