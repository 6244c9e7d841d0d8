"""Findings: one per applicable rule, subject and period, as structured values.

A finding holds numbers with units, a status and a reason code, and the parameters its
sentence needs (``details``); it holds no sentence.  :mod:`compliance.wording` writes the
sentences in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from compliance.results.identity import Cell, RowRef, SubmissionRef
from compliance.results.quantities import Quantity, Requirement
from compliance.results.status import Benchmark, Reason, Status, Validity

InputValue = float | bool | dt.date | str | None


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from.  A quote that is a row of a table in the document keeps its cells
    with the table's column headings (``quote_table``), so it is shown as a table, not with pipes."""

    document_title: str
    document_number: str
    clause: str
    quote: str
    seed_file: str
    quote_table: tuple[tuple[str, str], ...] = ()  # (column heading, cell) of a table row
    validity: Validity = Validity.IN_FORCE  # the document's, shown beside the citation
    validity_date: dt.date | None = None

    @property
    def quote_text(self) -> str:
        """The quote as one line: a table row as 'heading：cell；…'."""
        if not self.quote_table:
            return self.quote
        return "；".join(f"{column}：{cell}" for column, cell in self.quote_table)


@dataclass(frozen=True)
class Details(Mapping[str, Any]):
    """The parameters of a finding's reason, as a read-only mapping that pickles.

    Values are plain values (text, numbers, dates, codes), Quantities, or tuples of them.
    """

    pairs: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, **values: Any) -> Details:
        return cls(tuple([(key, value) for key, value in values.items() if value is not None]))

    def __getitem__(self, key: str) -> Any:
        for name, value in self.pairs:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def with_values(self, **values: Any) -> Details:
        merged = dict(self.pairs)
        merged.update({key: value for key, value in values.items() if value is not None})
        return Details(tuple(merged.items()))


@dataclass(frozen=True)
class InputUsed:
    """A value a rule read, where it came from, and how it was obtained."""

    field: str  # field code, or column code of a per-item or unit table
    name: str  # the field's or column's name in the data dictionary
    value: InputValue
    unit: str
    which: str  # "current", "prior", or the code of the table the row belongs to
    cell: Cell | None = None
    item: str = ""  # the label of the table row (or of the hospital) the value belongs to
    summed_over: int = 0  # a region's total summed over this many hospitals of the run
    lacking: tuple[str, ...] = ()  # hospitals without the value, so no total could be formed
    earlier: str = ""  # a prior-year value an audit took from the subject's submission of this period

    @property
    def source(self) -> str:
        """``sheet!cell`` of the value ('' when it was summed or is missing)."""
        return str(self.cell) if self.cell else ""


@dataclass(frozen=True)
class ItemResult:
    """The verdict on one row of a per-item table (a drug, a stockpile item) or on one unit of
    a region (a county, a hospital)."""

    key: str
    label: str
    status: Status
    reason: Reason
    observed: Quantity | None = None
    gap: Quantity | None = None
    gap_amount: Quantity | None = None
    source: RowRef | None = None
    missing: tuple[str, ...] = ()  # names of the columns (fields) without a value
    zero: tuple[str, ...] = ()  # names of the denominators that are 0
    note: str = ""  # the exemption's reason, as the rule pack words it


@dataclass(frozen=True)
class Contributor:
    """A hospital whose own values miss a rule its region misses on summed values."""

    code: str
    name: str
    observed: Quantity | None


@dataclass(frozen=True)
class Counted:
    """One hospital of a region, and whether a region rule counted it: left out because its
    ``attribute`` is ``value`` (outside the rule's hospitals), or undecided because it is not given."""

    code: str
    name: str
    counted: bool
    attribute: str = ""
    value: str | None = None

    @property
    def undecided(self) -> bool:
        return not self.counted and self.value is None


@dataclass(frozen=True)
class Finding:
    submission: SubmissionRef
    subject_name: str
    rule_id: str
    rule_digest: str  # of the rule as loaded: changes whenever the rule's YAML does
    title: str
    kind: str
    domain: str
    status: Status
    reason: Reason
    severity: Status  # the status a miss of this rule gets (fail or warn)
    citation: Citation
    measure: str = ""  # the measure's name, as the rule pack words it
    observed: Quantity | None = None
    required: Requirement | None = None
    gap: Quantity | None = None
    gap_amounts: tuple[Quantity, ...] = ()  # the money or quantity behind the gap, one per unit
    gap_amount_label: str = ""  # the rule pack's name for it ('' for the tool's own)
    details: Details = field(default_factory=Details)
    remediation_template: str = ""  # the rule's remediation text, rendered at the edge
    inputs: tuple[InputUsed, ...] = ()
    items: tuple[ItemResult, ...] = ()
    contributors: tuple[Contributor, ...] = ()  # for a region: hospitals whose own values miss the rule
    benchmark: tuple[Benchmark, ...] = ()  # why the rule judges this subject only as a benchmark (profile's choice)
    hospitals: tuple[Counted, ...] = ()  # for a region rule over its hospitals: each, counted or left out and why

    @property
    def subject_id(self) -> str:
        return self.submission.institution

    @property
    def period(self) -> str:
        return self.submission.period

    @property
    def gap_amount(self) -> Quantity | None:
        """The money or quantity behind the gap when it has one unit (None when none or mixed)."""
        return self.gap_amounts[0] if len(self.gap_amounts) == 1 else None

    @property
    def unit(self) -> str:
        """The unit of the observed value ('' when there is none)."""
        return self.observed.unit if self.observed is not None else ""
