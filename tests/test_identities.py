"""Identities a supervisor can trust: institution codes are unified social credit codes checked by
GB 32100-2015 (length, character set, the division in characters 3–8, the check character), region
codes are six-digit GB/T 2260 codes whose province (and city) agree with what the submission
says; a code that cannot be one refuses the file or row naming its cell, the code found and what a
valid one looks like, and is never used as an identity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from compliance.cli.main import main
from compliance.ingest.identities import (
    DIVISIONS,
    NATIONAL_AUTHORITY,
    PROVINCES,
    USCC_CHARACTERS,
    USCC_WEIGHTS,
    check_character,
    check_institution_code,
    check_region_code,
    with_check_character,
)
from compliance.ingest.reader import read_file
from compliance.results.problems import DataProblem
from compliance.results.status import ExitCode, FileStatus, Severity
from compliance.wording import problems as worded

from .conftest import EXAMPLES, ROOT

HOME = ["--home", str(ROOT)]
VALID = "12230100MB00000010"  # the bundled non-compliant hospital's code
MAINLAND = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
            "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")


def _own_check_character(first17: str) -> str:
    """GB 32100-2015 as the standard states it: C18 = 31 − (Σ Ci·Wi mod 31), 31 read as 0."""
    total = sum(USCC_CHARACTERS.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    value = 31 - total % 31
    return USCC_CHARACTERS[0 if value == 31 else value]


# ------------------------------------------------------------------ institution codes, by the standard

uscc_body = st.text(alphabet=USCC_CHARACTERS, min_size=9, max_size=9)
divisions = st.sampled_from(sorted(DIVISIONS) + [NATIONAL_AUTHORITY])
valid_codes = st.builds(lambda head, division, body: with_check_character(head + division + body),
                        st.text(alphabet=USCC_CHARACTERS, min_size=2, max_size=2), divisions, uscc_body)


def test_the_weights_are_powers_of_three_mod_31() -> None:
    assert USCC_WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert USCC_CHARACTERS == "0123456789ABCDEFGHJKLMNPQRTUWXY" and not set("IOZSV") & set(USCC_CHARACTERS)


def test_known_codes() -> None:
    assert check_institution_code(VALID).usable and not check_institution_code(VALID).problem
    assert check_institution_code("91110000600037341L").usable  # python-stdnum's own example, a real code
    assert check_character("12230100MB0000001") == "0"  # 31 − 0 read as 0 does occur


@given(valid_codes)
def test_a_code_with_its_check_character_is_valid(code: str) -> None:
    assert check_character(code[:17]) == _own_check_character(code[:17])  # the library agrees with the standard
    checked = check_institution_code(code)
    assert (checked.code, checked.problem) == (code, "")


@given(valid_codes, st.integers(0, 17), st.integers(1, 30))
def test_one_changed_character_is_never_valid(code: str, position: int, shift: int) -> None:
    changed = USCC_CHARACTERS[(USCC_CHARACTERS.index(code[position]) + shift) % 31]
    wrong = code[:position] + changed + code[position + 1:]
    checked = check_institution_code(wrong)
    assert not checked.usable and checked.code == ""
    assert checked.problem in ("institution_code_division", "institution_code_check")
    assert checked.values["value"] == wrong
    if checked.problem == "institution_code_check":
        assert checked.values["check"] == wrong[17] and checked.values["expected_check"] == check_character(wrong[:17])


def test_one_changed_character_names_the_check_characters() -> None:
    checked = check_institution_code("12230100MB0000001X")  # the old bundled code
    assert checked.problem == "institution_code_check"
    assert dict(checked.values) == {"value": "12230100MB0000001X", "check": "X", "expected_check": "0"}


@given(valid_codes)
def test_lowercase_is_read_upper_cased_with_a_warning(code: str) -> None:
    written = code.lower()
    checked = check_institution_code(written)
    if written == code:  # nothing to lower
        assert checked.problem == ""
        return
    assert (checked.code, checked.problem) == (code, "institution_code_lowercase")
    assert dict(checked.values) == {"value": written, "code": code}


@pytest.mark.parametrize(("code", "characters"), [(VALID[:17], 17), (VALID + "0", 19), ("12230100", 8), ("1" * 40, 40)])
def test_wrong_length(code: str, characters: int) -> None:
    checked = check_institution_code(code)
    assert (checked.usable, checked.problem, checked.values["characters"]) == (False, "institution_code_length",
                                                                               characters)
    assert checked.values["value"] == (code if len(code) <= 40 else code[:37] + "...")


@pytest.mark.parametrize(("code", "invalid", "position"), [
    ("12230100MBO0000010", ("O",), 11),
    ("I2230100MB00000010", ("I",), 1),
    ("12230100MB0000S0Z0", ("S", "Z"), 15),
    ("12230100MB00000V10", ("V",), 16),
    ("12230100MB-0000010", ("-",), 11),
    ("１2230100MB00000010", ("１",), 1),  # a full-width digit
    ("12230100MB0000001？", ("？",), 18),
])
def test_a_character_outside_the_set(code: str, invalid: tuple[str, ...], position: int) -> None:
    checked = check_institution_code(code)
    assert (checked.usable, checked.problem) == (False, "institution_code_character")
    assert (checked.values["invalid"], checked.values["position"], checked.values["value"]) == (invalid, position, code)


@pytest.mark.parametrize("division", ["990100", "000000", "AB0100", "720000", "100100"])
def test_characters_3_to_8_must_be_a_division_with_a_known_province(division: str) -> None:
    code = with_check_character(f"12{division}MB0000000")
    checked = check_institution_code(code)
    assert (checked.problem, checked.values["division"], checked.values["value"]) == (
        "institution_code_division", division, code)


def test_a_national_registering_authority_is_accepted() -> None:
    assert check_institution_code(with_check_character("12100000MB0000000")).usable


# ------------------------------------------------------------------ region codes

def test_the_table_holds_every_province_and_the_packs_prefectures() -> None:
    assert set(MAINLAND) | {"71", "81", "82"} == set(PROVINCES)
    assert (PROVINCES["51"].name, PROVINCES["62"].name, PROVINCES["13"].name, PROVINCES["23"].name) == (
        "四川省", "甘肃省", "河北省", "黑龙江省")
    assert (DIVISIONS["510100"].name, DIVISIONS["230100"].name, DIVISIONS["620100"].name,
            DIVISIONS["130100"].name) == ("成都市", "哈尔滨市", "兰州市", "石家庄市")
    for province, count in (("51", 21), ("62", 14), ("13", 11), ("23", 13)):
        assert sum(code[:2] == province and code[2:] != "0000" for code in DIVISIONS) == count, province


@pytest.mark.parametrize(("code", "province", "city"), [
    ("510000", "四川省", None), ("510000", "四川", None), ("510100", "四川省", "成都市"), ("510100", "四川省", "成都"),
    ("230100", "黑龙江省", "哈尔滨市"), ("620000", "甘肃省", None), ("130000", "河北省", None),
    ("130100", "河北省", "石家庄市"), ("513200", "四川省", "阿坝州"), ("510104", "四川省", "成都市"),  # a district
    ("519900", "四川省", "成都市"),  # a provincial pool's code: its prefecture is not in the table
    ("440100", "广东省", "深圳市"),  # a prefecture the table does not hold: the province only
    ("510100", None, None),
])
def test_a_consistent_region_code_is_accepted(code: str, province: str | None, city: str | None) -> None:
    checked = check_region_code(code, province, city)
    assert (checked.code, checked.problem) == (code, "")


@pytest.mark.parametrize(("code", "problem", "values"), [
    ("510000-E", "region_code_format", {"value": "510000-E"}),
    ("5100", "region_code_format", {"value": "5100"}),
    ("５１００００", "region_code_format", {"value": "５１００００"}),
    ("990000", "region_code_province", {"value": "990000", "prefix": "99"}),
    ("000000", "region_code_province", {"value": "000000", "prefix": "00"}),
])
def test_a_region_code_that_cannot_be_one(code: str, problem: str, values: dict[str, object]) -> None:
    checked = check_region_code(code, "四川省", None)
    assert (checked.usable, checked.problem, dict(checked.values)) == (False, problem, values)


@pytest.mark.parametrize(("code", "province", "city", "problem", "values"), [
    ("510000", "甘肃省", None, "region_code_province_mismatch",
     {"value": "510000", "province": "甘肃省", "expected_province": "四川省"}),
    ("620000", "四川省", None, "region_code_province_mismatch",
     {"value": "620000", "province": "四川省", "expected_province": "甘肃省"}),
    ("510100", "四川省", "绵阳市", "region_code_city_mismatch",
     {"value": "510100", "city": "绵阳市", "expected_city": "成都市"}),
    ("230100", "黑龙江省", "齐齐哈尔市", "region_code_city_mismatch",
     {"value": "230100", "city": "齐齐哈尔市", "expected_city": "哈尔滨市"}),
])
def test_province_or_city_inconsistent_with_the_code(code: str, province: str, city: str | None, problem: str,
                                                     values: dict[str, object]) -> None:
    checked = check_region_code(code, province, city)
    assert (checked.usable, checked.problem, dict(checked.values)) == (False, problem, values)


@settings(max_examples=200)
@given(st.text(max_size=12))
def test_any_text_is_either_a_known_code_or_a_problem(text: str) -> None:
    checked = check_region_code(text, None, None)
    if checked.usable:
        assert len(text) == 6 and text.isascii() and text.isdigit() and text[:2] in PROVINCES
    else:
        assert checked.problem in ("region_code_format", "region_code_province")


# ------------------------------------------------------------------ through the reader

def _edited(tmp_path: Path, source: Path, edits: dict[str, object], name: str = "自评表.xlsx") -> Path:
    """A copy of `source` with the 基本信息 values of the given field codes replaced."""
    path = tmp_path / name
    shutil.copy(source, path)
    book = load_workbook(path)
    sheet = book["基本信息"]
    rows = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
    for code, value in edits.items():
        sheet.cell(rows[code], 3).value = value
    book.save(path)
    return path


def _cell(source: Path, field: str) -> str:
    sheet = load_workbook(source, read_only=True)["基本信息"]
    return next(f"C{r}" for r, row in enumerate(sheet.iter_rows(values_only=True), start=1) if row[0] == field)


HOSPITAL = EXAMPLES / "hospital-noncompliant.xlsx"
SICHUAN = EXAMPLES / "sichuan" / "region.xlsx"
HARBIN = EXAMPLES / "harbin" / "region.xlsx"


def _refusal(catalog, path: Path) -> DataProblem:
    submissions, outcome = read_file(path, catalog)
    assert not submissions and outcome.status == FileStatus.REFUSED and outcome.refusal is not None
    return outcome.refusal


@pytest.mark.parametrize(("code", "problem", "values"), [
    ("12230100MB0000001X", "institution_code_check", {"check": "X", "expected_check": "0"}),
    ("12230100MB0000001", "institution_code_length", {"characters": 17}),
    ("12230100MBO0000010", "institution_code_character", {"invalid": ("O",), "position": 11}),
    ("12990100MB00000010", "institution_code_division", {"division": "990100"}),
])
def test_a_bad_institution_code_refuses_the_workbook_naming_its_cell(catalog, tmp_path: Path, code: str,
                                                                     problem: str, values: dict[str, object]) -> None:
    refusal = _refusal(catalog, _edited(tmp_path, HOSPITAL, {"institution_code": code}))
    assert (refusal.code, refusal.place.sheet, refusal.place.cell) == (problem, "基本信息",
                                                                       _cell(HOSPITAL, "institution_code"))
    assert dict(refusal.values) == {"value": code, **values, "field": "institution_code", "name": "机构代码"}
    for lang in ("zh", "en"):
        sentence = worded.message(refusal, lang)
        assert "自评表.xlsx" in sentence and "基本信息" in sentence and refusal.place.cell in sentence
        assert f"“{code}”" in sentence, sentence


def test_the_check_characters_message_says_to_copy_the_code_not_to_change_its_last_character(catalog,
                                                                                           tmp_path: Path) -> None:
    refusal = _refusal(catalog, _edited(tmp_path, HOSPITAL, {"institution_code": "12230100MB0000001X"}))
    assert worded.fix(refusal, "zh") == ("代码中有字符抄错或前后颠倒：请从本机构的统一社会信用代码证书上"
                                         "重新照抄完整代码后提交，不要只改最后一位。")
    assert "certificate" in worded.fix(refusal, "en") and "“0”" not in worded.fix(refusal, "en")
    assert worded.found(refusal, "zh") == "“12230100MB0000001X”，校验码“X”与前 17 位不符（按前 17 位应为“0”）"
    assert "GB 32100-2015" in worded.expected(refusal, "zh")


def test_a_lowercase_code_is_the_upper_cased_code_everywhere(catalog, tmp_path: Path) -> None:
    [submission], outcome = read_file(_edited(tmp_path, HOSPITAL, {"institution_code": VALID.lower()}), catalog)
    assert outcome.status == FileStatus.READ_WITH_WARNINGS
    assert submission.subject.code == VALID and submission.ref.institution == VALID
    assert submission.identification["institution_code"].value == VALID
    [warning] = [p for p in submission.problems if p.field_code == "institution_code"]
    assert (warning.code, warning.severity, warning.place.cell) == ("institution_code_lowercase", Severity.WARNING,
                                                                    _cell(HOSPITAL, "institution_code"))
    assert dict(warning.values) == {"value": VALID.lower(), "code": VALID, "field": "institution_code",
                                    "name": "机构代码"}
    assert worded.found(warning, "zh") == f"“{VALID.lower()}”，含小写字母，已按 {VALID} 读取"


def test_a_lowercase_copy_and_the_original_are_one_subject(runner, tmp_path: Path) -> None:
    lowered = _edited(tmp_path, HOSPITAL, {"institution_code": VALID.lower()}, "b-lower.xlsx")
    original = tmp_path / "a-original.xlsx"
    shutil.copy(HOSPITAL, original)
    result = runner.invoke(main, [*HOME, "check", str(tmp_path), "--format", "json", "--workers", "0"])
    data = json.loads(result.stdout)
    assert {f["subject_id"] for f in data["findings"]} == {VALID}
    codes = {p["code"] for p in data["data_problems"]}
    assert "institution_code_lowercase" in codes and "duplicate_submission_identical" in codes, codes
    assert lowered.name in result.stderr


def test_a_bad_code_is_never_merged_with_a_good_one(catalog, runner, tmp_path: Path) -> None:
    _edited(tmp_path, HOSPITAL, {"institution_code": "12230100MB0000001X"}, "b-old-code.xlsx")
    shutil.copy(HOSPITAL, tmp_path / "a-good.xlsx")
    result = runner.invoke(main, [*HOME, "check", str(tmp_path), "--format", "json", "--workers", "0"])
    data = json.loads(result.stdout)
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert {f["subject_id"] for f in data["findings"]} == {VALID}
    assert "duplicate_submission" not in {p["code"] for p in data["data_problems"]}
    [refused] = [f for f in data["files"] if f["status"] == "refused"]
    assert refused["refusal"]["code"] == "institution_code_check"


def test_a_bad_code_in_a_flat_table_refuses_its_row_only(catalog, tmp_path: Path) -> None:
    path = tmp_path / "flat.xlsx"
    shutil.copy(EXAMPLES / "hospitals-flat.xlsx", path)
    book = load_workbook(path)
    book.active["A3"] = "12230100MB0000012X"
    book.save(path)
    submissions, outcome = read_file(path, catalog)
    assert [s.subject.code for s in submissions] == ["12230100MB00000111", "12230100MB00000137"]
    [problem] = outcome.problems
    assert (problem.code, problem.place.cell, problem.values["value"]) == ("institution_code_check", "A3",
                                                                          "12230100MB0000012X")
    assert outcome.rows_refused == 1


@pytest.mark.parametrize(("source", "edits", "problem", "values"), [
    (SICHUAN, {"region_code": "510000-E"}, "region_code_format", {"value": "510000-E"}),
    (SICHUAN, {"region_code": "5100"}, "region_code_format", {"value": "5100"}),
    (SICHUAN, {"region_code": "990000"}, "region_code_province", {"value": "990000", "prefix": "99"}),
    (SICHUAN, {"region_code": "620000"}, "region_code_province_mismatch",
     {"value": "620000", "province": "四川省", "expected_province": "甘肃省"}),
    (HARBIN, {"city": "齐齐哈尔市"}, "region_code_city_mismatch",
     {"value": "230100", "city": "齐齐哈尔市", "expected_city": "哈尔滨市"}),
])
def test_a_bad_region_code_refuses_the_workbook_naming_its_cell(catalog, tmp_path: Path, source: Path,
                                                                edits: dict[str, object], problem: str,
                                                                values: dict[str, object]) -> None:
    refusal = _refusal(catalog, _edited(tmp_path, source, edits))
    cell = _cell(source, "region_code")
    assert (refusal.code, refusal.place.sheet, refusal.place.cell) == (problem, "基本信息", cell)
    other = {"region_code_province_mismatch": {"other_cell": _cell(source, "province")},
             "region_code_city_mismatch": {"other_cell": _cell(source, "city")}}.get(problem, {})
    assert dict(refusal.values) == {**values, "field": "region_code", "name": "地区代码", **other}
    for lang in ("zh", "en"):
        sentence = worded.message(refusal, lang)
        assert refusal.place.cell in sentence and f"“{values['value']}”" in sentence, sentence
        assert all(cell in sentence for cell in other.values()), sentence


def test_the_bundled_examples_have_valid_codes(catalog) -> None:
    paths = sorted(EXAMPLES.rglob("*.xlsx"))
    assert len(paths) >= 15
    for path in paths:
        submissions, outcome = read_file(path, catalog)
        assert submissions and outcome.status != FileStatus.REFUSED, path
        for submission in submissions:
            assert not [p for p in submission.problems if p.code.startswith(("institution_code", "region_code"))]
            if submission.subject.level == "hospital":
                assert check_institution_code(submission.subject.code).code == submission.subject.code
                assert "MB" in submission.subject.code  # recognisably made up


# ------------------------------------------------------------------ the command line

def test_check_names_the_cell_and_the_code_of_a_bad_institution_code(runner, tmp_path: Path) -> None:
    path = _edited(tmp_path, HOSPITAL, {"institution_code": "12230100MB0000001X"})
    cell = _cell(HOSPITAL, "institution_code")
    result = runner.invoke(main, [*HOME, "check", str(path)])
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    [line] = [line for line in result.stderr.splitlines() if "自评表.xlsx" in line]
    assert f"工作表“基本信息” {cell}" in line and "“12230100MB0000001X”" in line, line
    assert "统一社会信用代码证书" in line, line
    english = runner.invoke(main, [*HOME, "check", str(path), "--lang", "en", "--format", "json"])
    [line] = [line for line in english.stderr.splitlines() if "自评表.xlsx" in line]
    assert f"sheet “基本信息”, {cell}" in line and "“12230100MB0000001X”" in line and "certificate" in line, line
    refusal = json.loads(english.stdout)["files"][0]["refusal"]
    assert (refusal["code"], refusal["place"]["cell"], refusal["values"]["value"]) == (
        "institution_code_check", cell, "12230100MB0000001X")


def test_check_names_the_cell_and_the_code_of_a_bad_region_code(runner, tmp_path: Path) -> None:
    path = _edited(tmp_path, SICHUAN, {"region_code": "510000-E"}, "region.xlsx")
    result = runner.invoke(main, [*HOME, "check", str(path), "--profile", "auto"])
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    [line] = [line for line in result.stderr.splitlines() if "region.xlsx" in line]
    assert f"工作表“基本信息” {_cell(SICHUAN, 'region_code')}" in line and "“510000-E”" in line and "6 位" in line, line
