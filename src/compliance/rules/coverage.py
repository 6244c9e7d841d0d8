"""How much of the requirements catalog the rule packs encode, test and explain."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from compliance.rules.spec import Catalog

REQUIRED_CASES = frozenset({"pass", "fail", "boundary", "missing"})
CATALOG_FILE = "catalog.csv"


@dataclass
class PackCoverage:
    pack: str
    document: str
    catalog_rows: list[str] = field(default_factory=list)
    encoded: list[str] = field(default_factory=list)
    tested: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    unaccounted: list[str] = field(default_factory=list)
    not_in_catalog: list[str] = field(default_factory=list)
    issued: str = ""
    effective: str = ""
    scope_start: str = ""
    scope_end: str = ""  # "" for an open time scope
    validity: str = ""  # in_force, expired, repealed
    validity_date: str = ""
    continuing: list[str] = field(default_factory=list)  # rules that continue beyond the time scope

    @property
    def untested(self) -> list[str]:
        return [rule_id for rule_id in self.encoded if rule_id not in self.tested]

    def to_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "document": self.document,
                "time": {"issued": self.issued or None, "effective": self.effective or None,
                         "scope": {"from": self.scope_start or None, "to": self.scope_end or None},
                         "validity": self.validity or None, "validity_date": self.validity_date or None,
                         "continuing_rules": self.continuing},
                "catalog_rows": len(self.catalog_rows),
                "encoded": len(self.encoded), "tested": len(self.tested), "left_out": self.left_out,
                "unaccounted": self.unaccounted, "untested": self.untested, "not_in_catalog": self.not_in_catalog}


def read_catalog_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["req_id"] for row in csv.DictReader(handle)]


def tested_rules(cases_dir: Path) -> set[str]:
    """Rule ids with at least a pass, fail, boundary and missing case in ``cases_dir``."""
    kinds: dict[str, set[str]] = {}
    for path in sorted(cases_dir.glob("*.yaml")) if cases_dir.is_dir() else []:
        for rule_id, cases in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            kinds.setdefault(rule_id, set()).update(case.get("case", "") for case in cases or [])
    return {rule_id for rule_id, names in kinds.items() if REQUIRED_CASES <= names}


def coverage(catalog: Catalog, catalog_ids: Iterable[str], cases_dir: Path) -> list[PackCoverage]:
    tested = tested_rules(cases_dir)
    ids = list(catalog_ids)
    result = []
    for pack in catalog.packs:
        name = pack.document.pack
        document = pack.document
        entry = PackCoverage(name, f"{document.number}《{document.title}》", issued=_day(document.issued),
                             effective=_day(document.effective), scope_start=_day(document.scope_start),
                             scope_end=_day(document.scope_end), validity=document.validity.value,
                             validity_date=_day(document.validity_date),
                             continuing=[rule.id for rule in pack.rules if rule.continues])
        entry.catalog_rows = [i for i in ids if i.startswith(name + ".")]
        rule_ids = [rule.id for rule in pack.rules]
        entry.encoded = [i for i in rule_ids if i in entry.catalog_rows]
        entry.not_in_catalog = [i for i in rule_ids if i not in entry.catalog_rows]
        entry.tested = [i for i in entry.encoded if i in tested]
        entry.left_out = {item.req_id: item.reason for item in pack.not_encoded}
        entry.unaccounted = [i for i in entry.catalog_rows if i not in rule_ids and i not in entry.left_out]
        result.append(entry)
    packs = {pack.document.pack for pack in catalog.packs}
    orphans = sorted({i.split(".", 1)[0] for i in ids} - packs)
    for name in orphans:
        rows = [i for i in ids if i.startswith(name + ".")]
        result.append(PackCoverage(name, "（尚无规则包）", catalog_rows=rows, unaccounted=rows))
    return result


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def share_encoded(entries: list[PackCoverage]) -> float:
    rows = sum(len(e.catalog_rows) for e in entries)
    return sum(len(e.encoded) for e in entries) / rows if rows else 0.0
