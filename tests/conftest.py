from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compliance.check import load_default_catalog
from compliance.periods import parse_period
from compliance.spec import Catalog
from compliance.submission import Cell, Reading, Subject, Submission

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_default_catalog(ROOT)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


DEFAULT_SUBJECT: dict[str, Any] = {
    "code": "TEST0001",
    "name": "测试医院",
    "province": "黑龙江省",
    "city": "哈尔滨市",
    "grade": "level3",
    "type": "general",
    "ownership": "public",
    "period": "2024",
    "level": "hospital",
}


def make_submission(subject: dict[str, Any] | None = None, current: dict[str, Any] | None = None,
                    prior: dict[str, Any] | None = None, tables: dict[str, list[dict[str, Any]]] | None = None
                    ) -> Submission:
    """A submission built in memory, with made-up cells so sources can be asserted."""
    attributes = dict(DEFAULT_SUBJECT, **(subject or {}))
    period = parse_period(str(attributes.pop("period")))
    assert period is not None
    built = Submission(path="case.xlsx", subject=Subject(period=period, **attributes))
    for row, (code, value) in enumerate((current or {}).items(), start=3):
        built.current[code] = Reading(value, Cell("case.xlsx", "指标", f"D{row}"))
    for row, (code, value) in enumerate((prior or {}).items(), start=3):
        built.prior[code] = Reading(value, Cell("case.xlsx", "指标", f"E{row}"))
    for table, rows in (tables or {}).items():
        built.tables[table] = [
            {code: Reading(value, Cell("case.xlsx", table, f"{chr(65 + column)}{row}"))
             for column, (code, value) in enumerate(record.items())}
            for row, record in enumerate(rows, start=3)
        ]
    return built


def as_date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None
