"""Findings: one per applicable rule, subject and period."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from compliance.results.status import Status
from compliance.rules.spec import Citation


@dataclass(frozen=True)
class InputUsed:
    """A value a rule read, and the cell it came from."""

    field: str
    name: str
    value: Any
    unit: str
    which: str  # "current" | "prior" | table code
    source: str  # "sheet!cell" or ""


@dataclass(frozen=True)
class ItemResult:
    """The verdict on one row of a per-item table (a drug, a stockpile item)."""

    key: str
    label: str
    status: Status
    observed: float | None
    gap: float | None
    gap_amount: float | None
    source: str
    note: str = ""
    unit: str | None = None  # of observed and gap, when it is not the finding's (a share rule's units)

    def unit_in(self, finding: Finding) -> str:
        return finding.unit if self.unit is None else self.unit


@dataclass(frozen=True)
class Finding:
    subject_id: str
    subject_name: str
    period: str
    rule_id: str
    title: str
    kind: str
    domain: str
    status: Status
    severity: Status
    comparator: str
    observed: float | None
    required: float | None
    gap: float | None
    unit: str
    gap_amount: float | None
    gap_amount_unit: str
    gap_amount_label: str
    message: str
    remediation: str
    citation: Citation
    inputs: tuple[InputUsed, ...] = ()
    items: tuple[ItemResult, ...] = ()
    source_file: str = ""
    observed_text: str = ""
    required_text: str = ""
    gap_text: str = ""
    contributors: tuple[str, ...] = ()  # for a region: the hospitals whose own values miss the rule

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["severity"] = self.severity.value
        data["items"] = [dict(asdict(item), status=item.status.value) for item in self.items]
        return data
