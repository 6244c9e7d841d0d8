"""The generated self-assessment workbooks: a hospital's carries every field a region rule sums
over (or reads from) the region's hospitals, for every bundled profile and for all rules."""

from __future__ import annotations

import io

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


# ------------------------------------------------------------------ printing, validation, filled-in identification

def _validations(sheet) -> dict[str, tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    """Each cell's data validation: (type, formula1, formula2)."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            for row in cell_range.rows:
                for row_index, column_index in row:
                    from openpyxl.utils import get_column_letter

                    found[f"{get_column_letter(column_index)}{row_index}"] = (
                        validation.type, validation.formula1, validation.formula2)
    return found


def test_each_input_row_validates_by_its_type(catalog: Catalog) -> None:
    expected = {"money": ("decimal", "0"), "count": ("whole", "0"), "ratio": ("decimal", "0"),
                "bool": ("list", '"是,否"'), "date": ("date", "1"), "text": ("textLength", "2000"),
                "number": ("decimal", "-1000000000000000")}
    seen = set()
    for sheet in (build_template(catalog, level=level)[SHEET_INDICATORS] for level in ("hospital", "region")):
        _check_rows(sheet, catalog, expected, seen)
    assert seen == set(expected)  # the bundled packs have every type, so every branch is tested


def _check_rows(sheet, catalog: Catalog, expected: dict, seen: set) -> None:  # type: ignore[no-untyped-def,type-arg]
    checks = _validations(sheet)
    for row in range(3, sheet.max_row + 1):
        spec = catalog.fields[sheet.cell(row=row, column=1).value]
        kind, first, second = checks[f"D{row}"]
        assert (kind, first) == expected[spec.value_type], (spec.code, spec.value_type, kind, first)
        if spec.value_type == "ratio":
            assert second == "1"  # a share is a fraction: 95% is 0.95
        assert (f"E{row}" in checks) is spec.has_prior
        assert checks[f"F{row}"][0] == "textLength"  # the remark column: text, bounded
        seen.add(spec.value_type)


def test_every_sheet_prints_on_a4_one_page_wide_with_its_headers(catalog: Catalog) -> None:
    workbook = build_template(catalog)
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title  # 9: A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.print_title_rows, sheet.title
    guide = workbook[SHEET_GUIDE]
    assert any(str(merged).startswith("A3:") for merged in guide.merged_cells.ranges)  # guidance across the columns
    assert all(guide.row_dimensions[r].height for r in range(3, 9))


def test_identification_is_filled_in_and_escaped(catalog: Catalog) -> None:
    from compliance.ingest.schema import SHEET_INFO

    workbook = build_template(catalog, level="hospital", identification={
        "institution_code": "12230100MB0000101X", "institution_name": '=HYPERLINK("http://x")'})
    sheet = workbook[SHEET_INFO]
    values = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=3) for r in range(3, sheet.max_row + 1)}
    assert values["institution_code"].value == "12230100MB0000101X"
    name = values["institution_name"]
    assert name.data_type == "s" and not str(name.value).startswith("=")
    assert values["province"].value is None


def test_an_unknown_identification_field_is_refused(catalog: Catalog) -> None:
    from compliance.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown identification field.*hospital_code"):
        build_template(catalog, level="hospital", identification={"hospital_code": "x"})


def test_a_filled_template_reads_back_as_its_institution(catalog: Catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from compliance.ingest.reader import read_file
    from compliance.ingest.template import write_template
    from compliance.pipeline.context import WorkerContext, WorkerSetup

    path = write_template(catalog, tmp_path, level="hospital", identification={
        "institution_code": "12230100MB0000101M", "institution_name": "示例医院", "province": "黑龙江省",
        "city": "哈尔滨市", "period": "2024年"})
    read = read_file(path, WorkerContext(WorkerSetup(catalog)).reader_layout)
    (submission,) = read.submissions
    assert (submission.subject.code, submission.subject.name, submission.subject.period.label) == \
        ("12230100MB0000101M", "示例医院", "2024")


def test_the_template_prints_compactly_through_libreoffice(catalog: Catalog, soffice, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """LibreOffice prints the all-rules hospital template in few pages, each as wide as the sheet."""
    import subprocess

    from compliance.ingest.template import write_template

    path = write_template(catalog, tmp_path, level="hospital")
    (pdf,) = soffice([path], "pdf", tmp_path / "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    workbook = build_template(catalog, level="hospital")
    fields, tables = workbook[SHEET_INDICATORS].max_row - 2, len(workbook.sheetnames) - 3
    # the guide, the information sheet, about 20 indicator rows a page at least, two pages per item table (50 rows)
    # (it printed 32 pages, columns apart from their labels, before each sheet was fitted to the page width)
    assert pages <= 3 + 1 + -(-fields // 20) + 2 * tables, (pages, fields, tables)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    indicator_page = next(page for page in text.split("\f") if "指标填报" in page)
    assert "本期数" in indicator_page and "填报说明" in indicator_page  # labels, inputs and guidance on one page


def test_a_written_template_is_the_same_bytes_whenever_it_is_written(catalog: Catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Regenerating the committed templates leaves them as they are: no member or property carries
    the time of writing."""
    import zipfile

    from compliance.ingest.template import write_template

    first = write_template(catalog, tmp_path / "a").read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {member.date_time for member in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = package.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2  # created and modified
    assert write_template(catalog, tmp_path / "b").read_bytes() == first
