"""The generated self-assessment workbooks: a hospital's carries every field a region rule sums
over (or reads from) the region's hospitals, for every bundled profile and for all rules."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from compliance.ingest.schema import SHEET_GUIDE, SHEET_INDICATORS
from compliance.ingest.template import build_template
from compliance.rules.kinds.units import HOSPITALS, UnitsSpec
from compliance.rules.spec import Catalog, Profile

from .conftest import ROOT

PROFILES = sorted(path.stem for path in (ROOT / "checks").glob("*.yaml"))


def _rows(workbook: Workbook) -> set[str]:
    sheet = workbook[SHEET_INDICATORS]
    return {str(sheet.cell(row=r, column=1).value) for r in range(3, sheet.max_row + 1)}


def _read_from_hospitals(catalog: Catalog, profile: Profile | None) -> set[str]:
    """Every field a region rule of `profile` (or any region rule) sums over the region's hospitals
    or, for a rule over the hospitals themselves, reads from each."""
    rules = catalog.rules_for(profile) if profile else catalog.rules
    wanted = set()
    for rule in rules:
        if rule.applies.level != "region":
            continue
        over_hospitals = isinstance(rule.spec, UnitsSpec) and rule.spec.units == HOSPITALS
        wanted |= {code for code in rule.spec.fields_used()
                   if over_hospitals or catalog.fields[code].aggregate == "sum"}
    return wanted


@pytest.mark.parametrize("name", [None, *PROFILES])
def test_the_hospital_template_has_a_row_for_every_field_a_region_rule_sums(catalog: Catalog,
                                                                             name: str | None) -> None:
    profile = catalog.profiles[name] if name else None
    missing = _read_from_hospitals(catalog, profile) - _rows(build_template(catalog, profile, "hospital"))
    assert not missing, f"the hospital template of {name or 'every rule'} has no row for {sorted(missing)}"


def test_the_bundled_packs_sum_fields_no_hospital_rule_reads(catalog: Catalog) -> None:
    """Not vacuous: the default template and a region-only profile's hospital template gain rows."""
    assert {"inpatient_expense_total", "inpatient_expense_non_ffs"} <= _rows(build_template(catalog))
    hospital = build_template(catalog, catalog.profiles["harbin-city"], "hospital")
    assert {"total_medical_revenue", "drug_revenue"} <= _rows(hospital)
    guide = [str(row[0].value) for row in hospital[SHEET_GUIDE].iter_rows() if row[0].value]
    assert any("地区检查汇总" in line and "医疗收入" in line for line in guide)


def test_a_hospital_only_profile_gains_nothing_from_region_rules(catalog: Catalog) -> None:
    """A profile that checks no region runs no region rule: its hospital template has its own rules' rows only."""
    profile = catalog.profiles["sichuan-hospitals"]
    own = {code for rule in catalog.rules_for(profile) for code in rule.spec.fields_used()}
    assert _rows(build_template(catalog, profile, "hospital")) == own
