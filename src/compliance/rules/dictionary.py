"""The data dictionary: every field code a submission can carry, and which rules use it."""

from __future__ import annotations

from typing import Any

from compliance.ingest.schema import (
    IDENTIFICATION,
    PRIOR_SUFFIX,
    SHEET_INDICATORS,
    SHEET_INFO,
)
from compliance.rules.spec import Catalog


def data_dictionary(catalog: Catalog) -> list[dict[str, Any]]:
    used_by: dict[str, list[str]] = {}
    for rule in catalog.rules:
        codes = list(rule.spec.fields_used())
        for table_code in rule.spec.tables_used():
            table = catalog.tables[table_code]
            codes += [f"{table.code}.{column.code}" for column in table.columns]
        for code in codes:
            used_by.setdefault(code, []).append(rule.id)
    entries: list[dict[str, Any]] = []
    for spec in IDENTIFICATION:
        entries.append({"code": spec.code, "section": SHEET_INFO, "name": spec.name, "unit": "", "type": "text",
                        "prior_column": None, "description": spec.description, "used_by": []})
    for code, spec in catalog.fields.items():
        entries.append({"code": code, "section": SHEET_INDICATORS, "name": spec.name, "unit": spec.unit,
                        "type": spec.value_type, "prior_column": code + PRIOR_SUFFIX if spec.has_prior else None,
                        "description": spec.description, "used_by": used_by.get(code, [])})
    for table in catalog.tables.values():
        for column in table.columns:
            key = f"{table.code}.{column.code}"
            entries.append({"code": key, "section": table.name, "name": column.name, "unit": column.unit,
                            "type": column.value_type, "prior_column": None, "description": column.description,
                            "used_by": used_by.get(key, []), "required": column.required})
    return entries
