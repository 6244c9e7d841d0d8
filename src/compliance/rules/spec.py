"""Frozen dataclasses that rule packs and profiles load into.

These hold what a rule *says*; evaluation lives in :mod:`compliance.rules.kinds`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Protocol

from compliance.results.findings import Citation
from compliance.results.status import Status, Validity
from compliance.rules.expressions import Expression

COMPARATORS = (">=", "<=", ">", "<", "==")
VALUE_TYPES = ("money", "ratio", "number", "count", "text", "bool", "date")
SUBJECT_LEVELS = ("hospital", "region")


@dataclass(frozen=True)
class Jurisdiction:
    province: str
    city: str | None = None

    @property
    def label(self) -> str:
        return self.province + (self.city or "")

    def covers(self, province: str | None, city: str | None) -> bool:
        if province != self.province:
            return False
        return self.city is None or city == self.city


@dataclass(frozen=True)
class Document:
    """A policy document and when it judges: from its effective date, over its time scope (the
    periods its tasks and targets are for; ``None`` ends are open), while its validity lasts."""

    pack: str
    title: str
    number: str
    issuer: str
    issued: dt.date | None
    seed_file: str
    jurisdiction: Jurisdiction
    effective: dt.date | None = None  # the date it takes effect (its issue date unless it says otherwise)
    scope_start: dt.date | None = None
    scope_end: dt.date | None = None
    validity: Validity = Validity.IN_FORCE
    validity_date: dt.date | None = None  # since when it has been 失效 or 废止, where known
    validity_source: str = ""  # where the validity is stated (the page's 有效性 line, a later document)


@dataclass(frozen=True)
class FieldSpec:
    """One indicator or identification field of the data dictionary."""

    code: str
    name: str
    unit: str
    value_type: str
    description: str = ""
    has_prior: bool = False
    minimum: float | None = 0.0
    aggregate: str | None = None  # "sum": a region value may be summed over its hospitals
    part_of: str | None = None  # a field this one can never exceed (incentive pay within total pay)
    max_change: float | None = 1.0  # year-on-year change beyond +/- this share is flagged as suspect


@dataclass(frozen=True)
class ColumnSpec:
    code: str
    name: str
    unit: str
    value_type: str
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A per-item table such as the drug price list or the stockpile list."""

    code: str
    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    label_columns: tuple[str, ...]
    level: str = "hospital"

    def column(self, code: str) -> ColumnSpec:
        for column in self.columns:
            if column.code == code:
                return column
        raise KeyError(code)


@dataclass(frozen=True)
class HospitalFilter:
    """Which of a region's hospitals a region rule counts: those whose identification ``key``
    (ownership, grade, type, city …) is one of ``values``."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Applicability:
    level: str
    ownership: tuple[str, ...] = ()
    grade: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    description: str = ""
    hospitals: tuple[HospitalFilter, ...] = ()  # a region rule's sums, shares and counts: only these hospitals


@dataclass(frozen=True)
class GapAmount:
    """Money or quantity behind a gap: ``|gap| * per_unit``, in ``unit``."""

    per_unit: Expression
    unit: str
    label: str


@dataclass(frozen=True)
class Comparison:
    comparator: str
    threshold: float
    tolerance: float = 0.0


class MeasureSpec(Protocol):
    """What a rule kind's parser returns for a rule's ``measure:`` (one dataclass per kind)."""

    @property
    def measure_name(self) -> str: ...

    def fields_used(self) -> tuple[str, ...]:
        """Indicator fields the measure reads (this period or last year's)."""
        ...

    def tables_used(self) -> tuple[str, ...]:
        """Per-item or unit tables the measure reads."""
        ...


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kind: str
    domain: str
    citation: Citation
    jurisdiction: Jurisdiction
    applies: Applicability
    effective_from: dt.date | None
    deadline: dt.date | None
    binding: str
    severity: Status
    unit: str
    remediation: str
    spec: MeasureSpec
    path: str
    line: int
    notes: str = ""
    digest: str = ""  # of the rule's YAML as loaded
    continues: bool = False  # the requirement holds beyond its document's time scope (a standing duty)
    scope_start: dt.date | None = None  # the first day of the periods it judges: its document's time scope
    scope_end: dt.date | None = None  # the last day of the periods it judges: its document's, None if it continues
    ends: dt.date | None = None  # its document's 失效 or 废止 date, where known

    @property
    def pack(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class NotEncoded:
    """A catalog row deliberately left out, with the reason."""

    req_id: str
    reason: str


@dataclass(frozen=True)
class RulePack:
    document: Document
    fields: tuple[FieldSpec, ...]
    tables: tuple[TableSpec, ...]
    rules: tuple[Rule, ...]
    path: str
    not_encoded: tuple[NotEncoded, ...] = ()
    digest: str = ""  # of the pack file's bytes


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    description: str
    subject_levels: tuple[str, ...]
    packs: tuple[str, ...]
    rule_ids: tuple[str, ...] = ()
    benchmark: bool = False  # rules judge outside their jurisdiction and time scope, as a benchmark
    path: str = ""
    by_jurisdiction: bool = False  # each subject gets only the packs whose jurisdiction covers it
    digest: str = ""  # of the profile file's bytes


@dataclass(frozen=True)
class Waiver:
    """An exception to one rule for one subject (``checks/waivers/*.yaml``): its findings that
    fail, warn or are not due become ``waived`` until ``expires`` (that day included)."""

    rule: str
    subject: str  # institution code (18 characters) or region code (6 digits)
    period: str | None  # a canonical period label, or None for every period
    justification: str
    approver: str
    granted: dt.date
    expires: dt.date
    path: str = ""
    line: int = 0

    def covers(self, rule_id: str, subject: str, period: str) -> bool:
        return self.rule == rule_id and self.subject == subject and self.period in (None, period)

    def expired(self, check_date: dt.date) -> bool:
        """Expired at `check_date`: a waiver is still valid on its expiry date."""
        return check_date > self.expires

    @property
    def key(self) -> str:
        return f"waiver {self.rule} {self.subject} {self.period or '*'} {self.granted} {self.expires} " \
               f"{self.approver} {self.justification}"


@dataclass(frozen=True)
class Catalog:
    """Every loaded pack and profile, with the merged data dictionary.  What is derived from the
    packs (the digest, the rules, the merged fields and tables) is computed once per catalog: a
    check asks for it for every subject."""

    packs: tuple[RulePack, ...]
    profiles: dict[str, Profile] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()

    def __getstate__(self) -> dict[str, object]:
        """The fields only: what is derived from them is computed again where the catalog goes."""
        return {name: self.__dict__[name] for name in ("packs", "profiles", "waivers")}

    @cached_property
    def digest(self) -> str:
        """A hash of every rule pack, profile and waiver loaded: two runs with equal digests used the
        same rules."""
        parts = [f"pack {pack.document.pack} {pack.digest}" for pack in self.packs]
        parts += [f"profile {name} {profile.digest}" for name, profile in sorted(self.profiles.items())]
        parts += sorted(waiver.key for waiver in self.waivers)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def waiver_for(self, rule_id: str, subject: str, period: str) -> Waiver | None:
        """The waiver of this rule, subject and period: one naming the period, else one for every period."""
        matching = [waiver for waiver in self.waivers if waiver.covers(rule_id, subject, period)]
        return next((waiver for waiver in matching if waiver.period is not None), matching[0] if matching else None)

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule for pack in self.packs for rule in pack.rules)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @cached_property
    def fields(self) -> Mapping[str, FieldSpec]:
        merged: dict[str, FieldSpec] = {}
        for pack in self.packs:
            for spec in pack.fields:
                merged.setdefault(spec.code, spec)
        return MappingProxyType(merged)

    @cached_property
    def tables(self) -> Mapping[str, TableSpec]:
        merged: dict[str, TableSpec] = {}
        for pack in self.packs:
            for table in pack.tables:
                merged.setdefault(table.code, table)
        return MappingProxyType(merged)

    def rules_for(self, profile: Profile) -> tuple[Rule, ...]:
        packs = set(profile.packs)
        chosen = [rule for rule in self.rules
                  if rule.pack in packs and rule.applies.level in profile.subject_levels]
        if profile.rule_ids:
            order = {rule_id: index for index, rule_id in enumerate(profile.rule_ids)}
            chosen = sorted((rule for rule in chosen if rule.id in order), key=lambda rule: order[rule.id])
        return tuple(chosen)
