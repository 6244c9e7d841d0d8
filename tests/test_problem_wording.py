"""Data problems and refused files as structured values (code, place, values) worded at the edge in
Chinese and English: every code renders in both languages, English holds no Chinese of the tool's
own, the JSON carries the structured values beside the sentences, and a problem pickles."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from compliance.cli.main import main
from compliance.errors import SubmissionError
from compliance.ingest.reader import read_file
from compliance.results.findings import Details
from compliance.results.identity import FileRef
from compliance.results.problems import PROBLEM_MEANING, DataProblem, Place
from compliance.results.status import Severity
from compliance.wording import problems as worded
from compliance.wording.catalogue import LANGUAGES, messages
from compliance.wording.findings import problem_message
from compliance.wording.outcomes import outcome_message

from .conftest import EXAMPLES, ROOT

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
FILE = FileRef("批次/自评表.xlsx", "0" * 64)
CELL = Place("指标", "D7")
SHEET = Place("指标")
FIELD = {"name": "医疗收入", "which": "current"}
AREA = {"max_rows": 200_000, "max_columns": 2000, "max_cells": 10_000_000}
CODE = {"field": "institution_code", "name": "机构代码"}
REGION_CODE = {"field": "region_code", "name": "地区代码"}
XLS_RECORD = {"offset": 1234, "size_bytes": 3, "stream_bytes": 40_960, "record_type": "0x0204"}

#: One problem of each code, with the place and values its producer gives it.
SAMPLES: dict[str, tuple[Place, dict[str, object]]] = {
    "formula_without_value": (CELL, FIELD),
    "merged_cell": (CELL, {**FIELD, "other_cell": "D6"}),
    "not_a_number": (CELL, {**FIELD, "value": "一千五百"}),
    "not_finite": (CELL, {**FIELD, "value": "inf"}),
    "number_out_of_range": (CELL, {**FIELD, "value": "9" * 37 + "...", "max_magnitude": 1e15}),
    "converted_out_of_range": (CELL, {**FIELD, "value": "1e13", "from_unit": "亿元", "unit": "万元",
                                      "max_magnitude": 1e15}),
    "text_too_long": (Place("药品价格", "B3"), {"name": "药品名称", "value": "x" * 37 + "...", "max_characters": 2000,
                                              "characters": 1_000_000}),
    "percent_in_non_ratio": (CELL, {**FIELD, "value": "60%"}),
    "not_yes_no": (CELL, {"name": "已制定医院章程", "which": "current", "value": "也许"}),
    "not_a_date": (CELL, {"name": "完成日期", "which": "current", "value": "下周"}),
    "below_minimum": (CELL, {**FIELD, "value": "-5", "minimum": 0.0}),
    "ratio_above_100_percent": (CELL, {"name": "激励性绩效占比", "which": "prior", "value": "160"}),
    "ratio_read_as_percent": (CELL, {"name": "激励性绩效占比", "value": "60", "percent": 60.0, "fraction": 0.6}),
    "ratio_read_as_percent_by_row": (CELL, {"name": "激励性绩效占比", "which": "prior_column", "value": "0.8",
                                            "percent": 0.8, "fraction": 0.008, "other_cell": "E7", "other_value": 1.5}),
    "unknown_field_code": (Place("指标", "A30"), {"value": "made_up_field"}),
    "duplicate_field_code": (Place("指标", "A31"), {"field": "total_medical_revenue", "first_row": 10}),
    "unit_unknown": (Place("指标", "C7"), {"name": "医疗收入", "unit": "万元", "value": "美元"}),
    "unit_changed": (Place("指标", "C7"), {"name": "医疗收入", "unit": "万元", "value": "元"}),
    "unknown_choice": (Place("基本信息", "C7"), {"field": "grade", "name": "医院等级", "value": "特级"}),
    "identification_missing": (Place("基本信息", "C3"), {"field": "institution_code", "name": "机构代码"}),
    "identification_not_found": (Place(), {"field": "period", "name": "报告期"}),
    "period_invalid": (Place("基本信息", "C10"), {"field": "period", "name": "报告期", "value": "去年"}),
    "institution_code_length": (Place("基本信息", "C3"), {**CODE, "value": "12230100MB000000", "characters": 16}),
    "institution_code_character": (Place("基本信息", "C3"), {**CODE, "value": "12230100MBO0000010", "invalid": ("O",),
                                                            "position": 11}),
    "institution_code_division": (Place("基本信息", "C3"), {**CODE, "value": "12990100MB00000010",
                                                           "division": "990100"}),
    "institution_code_check": (Place("基本信息", "C3"), {**CODE, "value": "12230100MB0000001X", "check": "X",
                                                        "expected_check": "0"}),
    "institution_code_lowercase": (Place("基本信息", "C3"), {**CODE, "value": "12230100mb00000010",
                                                            "code": "12230100MB00000010"}),
    "region_code_format": (Place("基本信息", "C3"), {**REGION_CODE, "value": "510000-E"}),
    "region_code_province": (Place("基本信息", "C3"), {**REGION_CODE, "value": "990000", "prefix": "99"}),
    "region_code_province_mismatch": (Place("基本信息", "C3"), {
        **REGION_CODE, "value": "510000", "province": "甘肃省", "expected_province": "四川省", "other_cell": "C5"}),
    "region_code_city_mismatch": (Place("基本信息", "C3"), {
        **REGION_CODE, "value": "510100", "city": "绵阳市", "expected_city": "成都市", "other_cell": "C6"}),
    "column_missing": (Place("药品价格", "A2"), {"name": "销售价格"}),
    "table_header_missing": (Place("药品价格"), {"table": "药品价格"}),
    "rows_truncated": (SHEET, {"max_rows": 5000, "rows": 1_000_062}),
    "columns_truncated": (SHEET, {"max_columns": 60, "columns": 61}),
    "header_missing": (SHEET, {"headers": "字段代码 / 指标名称 / 本期数 / 上年同期数"}),
    "layout_unrecognised": (Place("Sheet1"), {"sheets": ("基本信息", "指标")}),
    "no_sheets": (Place(), {}),
    "read_failed": (Place(), {"detail": "ValueError: bad value"}),
    "rows_without_institution": (Place(), {"rows": 3}),
    "no_data_rows": (Place(), {}),
    "file_missing": (Place(), {}),
    "file_unreadable": (Place(), {"detail": "Permission denied"}),
    "file_too_large": (Place(), {"max_megabytes": 50, "megabytes": 60.5}),
    "csv_too_large": (Place(), {"max_megabytes": 50, "megabytes": 51.2}),
    "csv_encoding_unknown": (Place(), {}),
    "csv_malformed": (Place(row=7), {"line": 7, "detail": "unexpected end of data"}),
    "not_a_regular_file": (Place(), {}),
    "unsupported_file_type": (Place(), {"suffix": ".pdf"}),
    "not_a_zip": (Place(), {"format": ".xlsx"}),
    "duplicate_part": (Place(part="xl/worksheets/sheet1.xml"), {}),
    "too_many_parts": (Place(), {"max_parts": 2000, "parts": 2115}),
    "zip_bomb": (Place(), {"megabytes": 4000, "ratio": 1024}),
    "spreadsheet_unreadable": (Place(), {"detail": "CalamineError: broken"}),
    "sheet_not_in_package": (SHEET, {}),
    "sheet_too_wide": (SHEET, {"max_columns": 2000, "last_column": 2001}),
    "too_many_merged_ranges": (SHEET, {"max_ranges": 10_000, "ranges": 10_001}),
    "xml_malformed": (Place(), {"detail": "not well-formed (invalid token): line 1, column 0"}),
    "sheet_too_large": (SHEET, {**AREA, "last_row": 1_048_576, "last_column": 16_384}),
    "ods_sheet_too_large": (Place("指标", part="content.xml"), {**AREA, "rows": 62, "columns": 16_384}),
    "ods_structure": (Place("指标", part="content.xml"), {}),
    "bad_shared_strings": (SHEET, {"cells": ("C3", "D4")}),
    "part_compression_unsupported": (Place(part="xl/workbook.xml"), {"method": 12}),
    "part_encrypted": (Place(part="xl/workbook.xml"), {}),
    "part_crc_mismatch": (Place(part="xl/worksheets/sheet3.xml"),
                          {"declared_bytes": 20_000, "detail": "Bad CRC-32 for file 'xl/worksheets/sheet3.xml'"}),
    "part_corrupt": (Place(part="content.xml"), {"declared_bytes": 20_000, "detail": "error: Error -3"}),
    "part_size_mismatch": (Place(part="content.xml"),
                           {"actual_bytes": 10_000, "compressed_bytes": 1_000, "declared_bytes": 20_000}),
    "xls_not_ole2": (Place(), {}),
    "xls_ole_malformed": (Place(), {"detail": "OleFileError: incorrect sector"}),
    "xls_stream_not_at_root": (Place(), {"stream": "Workbook"}),
    "xls_stream_larger_than_file": (Place(), {"stream": "Workbook", "declared_bytes": 9_999_999, "file_bytes": 30_000}),
    "xls_stream_unreadable": (Place(), {"stream": "Book", "detail": "OleFileError: bad chain"}),
    "xls_stream_size_mismatch": (Place(), {"stream": "Workbook", "read_bytes": 1, "declared_bytes": 4096}),
    "xls_no_workbook_stream": (Place(), {}),
    "xls_too_many_sheets": (Place(), {"max_sheets": 10_000}),
    "xls_sheet_beyond_stream": (SHEET, {"offset": 99_999, "stream_bytes": 40_960}),
    "xls_sheets_overlap": (SHEET, {}),
    "xls_filepass_incomplete": (Place(), {}),
    "xls_encrypted": (Place(), {}),
    "xls_boundsheet_short": (Place(), {"offset": 1234, "size_bytes": 1}),
    "xls_record_header_truncated": (SHEET, {"offset": 40_958, "stream_bytes": 40_960}),
    "xls_record_beyond_stream": (SHEET, {**XLS_RECORD, "size_bytes": 9000}),
    "xls_cell_record_short": (SHEET, XLS_RECORD),
    "xls_formula_record_short": (SHEET, {"offset": 1234, "size_bytes": 12}),
    "xls_mulrk_short": (SHEET, {"offset": 1234, "size_bytes": 4}),
    "xls_mulrk_length_mismatch": (SHEET, {"offset": 1234, "size_bytes": 18, "first_column": 1, "last_column": 5}),
    "xls_dimensions_length": (SHEET, {"offset": 1234, "size_bytes": 12}),
    "xls_cells_too_spread": (SHEET, {**AREA, "first_row": 1, "last_row": 65_536, "first_column": 1,
                                     "last_column": 2001, "rows": 65_536, "columns": 2001}),
    "xls_formulas_too_spread": (SHEET, {**AREA, "first_row": 1, "last_row": 1, "first_column": 1,
                                        "last_column": 65_536, "rows": 1, "columns": 65_536}),
    "xls_dimensions_too_large": (SHEET, {**AREA, "rows": 4_294_967_246, "columns": 5}),
    "xls_workbook_too_large": (Place(), {"max_cells": 10_000_000, "sheets": 7, "total_cells": 12_345_678}),
    "archive_too_many_members": (Place(), {"max_files": 5000, "files": 5001}),
    "archive_without_workbooks": (Place(), {"files": 1}),
    "archive_unreadable": (Place(), {"detail": "BadZipFile"}),
    "read_timeout": (Place(), {"seconds": 60}),
    "read_crashed": (Place(), {}),
    "read_error": (Place(), {"detail": "MemoryError"}),
    "value_withdrawn_part_exceeds_total": (Place("指标", "D3"), {
        "part_name": "激励性绩效工资", "total_name": "绩效工资总量", "part_value": 1600.0, "part_unit": "万元",
        "total_value": 1500.0, "total_unit": "万元", "prior": False}),
    "value_withdrawn_share_out_of_range": (Place("指标", "E8"), {"name": "激励性绩效占比", "share": 1.6, "prior": True}),
    "duplicate_submission": (Place("基本信息", "C3"), {
        "institution": "示例医院", "code": "12230100MB00000010", "period": "2024", "submissions": 2,
        "others": ("a/自评表.xlsx 基本信息!C3",), "used": "b/自评表.xlsx 基本信息!C3"}),
    "duplicate_submission_identical": (Place("基本信息", "C3"), {
        "institution": "示例医院", "code": "12230100MB00000010", "period": "2024", "submissions": 3,
        "others": ("a/自评表.xlsx 基本信息!C3", "c/自评表.xlsx 基本信息!C3"), "used": "b/自评表.xlsx 基本信息!C3"}),
}


def sample(code: str) -> DataProblem:
    place, values = SAMPLES[code]
    return DataProblem(FILE, code, place, Details.of(**values), field_code="total_medical_revenue"
                       if "name" in values and "field" not in values else "")


def test_every_code_has_a_sample_and_a_meaning() -> None:
    assert set(SAMPLES) == set(PROBLEM_MEANING)
    assert all(meaning.strip() for meaning in PROBLEM_MEANING.values())
    with pytest.raises(ValueError, match="no_such_code"):
        DataProblem(FILE, "no_such_code")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", sorted(PROBLEM_MEANING))
def test_every_problem_code_renders_with_its_placeholders_filled(code: str, lang: str) -> None:
    problem = sample(code)
    shown = worded.parameters(problem, lang)
    for part in ("expected", "found", "fix"):
        template = messages(lang)[worded.message_key(code, part, lang)]
        for name in PLACEHOLDER.findall(template):
            assert shown.get(name, "").strip(), (code, part, name)  # no gap where a value belongs
    sentence = worded.message(problem, lang)
    assert "{" not in sentence and "}" not in sentence, sentence
    assert sentence.startswith("自评表.xlsx") and "批次" not in worded.where(problem, lang)
    parts = [worded.where(problem, lang), worded.expected(problem, lang), worded.found(problem, lang),
             worded.fix(problem, lang)]
    assert all(part.strip() for part in parts) and all(part in sentence for part in parts), sentence
    assert sentence == problem_message(problem, lang)  # the findings' wording delegates here
    if lang == "en":
        assert not CJK.search(_unquoted(problem, sentence)), sentence


def _unquoted(problem: DataProblem, sentence: str) -> str:
    """An English sentence without what the problem quotes as written: the file, sheet and field
    names, submitted values, names and places of other submissions, the template's own headers."""
    quoted = [problem.file.name, problem.place.sheet, *(str(v) for v in problem.values.values() if isinstance(v, str)),
              *(item for v in problem.values.values() if isinstance(v, tuple) for item in v)]
    for piece in sorted(quoted, key=len, reverse=True):
        sentence = sentence.replace(piece, "") if piece else sentence
    return sentence


@pytest.mark.parametrize(("code", "zh", "en"), [
    ("not_a_number",
     ("自评表.xlsx 工作表“指标” D7：应为医疗收入（本期数）：数值（可使用千分位逗号，如 1,234.5），实际为“一千五百”。"
      "请改为正确格式后重新提交。"),
     ("自评表.xlsx, sheet “指标”, D7: expected 医疗收入 (this period): a number (thousands separators allowed, "
      "e.g. 1,234.5); found “一千五百”. Correct the format and submit again.")),
    ("identification_missing",
     "自评表.xlsx 工作表“基本信息” C3：应为机构代码，实际为空白。请填写机构代码后重新提交。",
     ("自评表.xlsx, sheet “基本信息”, C3: expected Institution code; found blank. Fill in Institution code and submit "
      "again.")),
    ("too_many_parts",
     "自评表.xlsx：应为不超过 2,000 个内部部件，实际为2,115 个内部部件。文件结构异常，请另存为新的 .xlsx 后重新提交。",
     ("自评表.xlsx: expected at most 2,000 parts; found 2,115 parts. The file's structure is unusual; save it as a new "
      ".xlsx file and submit again.")),
    ("part_crc_mismatch",
     ("自评表.xlsx 内部部件 xl/worksheets/sheet3.xml：应为与压缩包目录记录一致的数据（解压后大小和 CRC 校验和），"
      "实际为解压结果与压缩包目录的记录不符，文件已损坏或被伪造（目录声明解压后 20,000 字节；Bad CRC-32 for file "
      "'xl/worksheets/sheet3.xml'）。已在解析前拒绝读取；请用 Excel、WPS 或 LibreOffice 打开原始文件，重新另存为 .xlsx 后提交。"),
     ("自评表.xlsx, part xl/worksheets/sheet3.xml: expected data that matches the zip directory (size once "
      "decompressed and CRC checksum); found data that does not match the zip directory: the file is damaged or "
      "forged (the directory declares 20,000 bytes once decompressed; Bad CRC-32 for file 'xl/worksheets/sheet3.xml')."
      " Refused before parsing; open the original file in Excel, WPS or LibreOffice, save it again as .xlsx and "
      "submit that.")),
    ("bad_shared_strings",
     ("自评表.xlsx 工作表“指标” C3、D4：应为有效的共享字符串引用，实际为无效的字符串索引（文件已损坏或被改动）。"
      "请用电子表格软件打开并另存为新的 .xlsx 后重新提交。"),
     ("自评表.xlsx, sheet “指标”, C3, D4: expected valid references to shared strings; found invalid string indexes "
      "(the file is damaged or was altered). Open it in a spreadsheet program, save it as a new .xlsx file and submit "
      "again.")),
])
def test_whole_sentences_in_both_languages(code: str, zh: str, en: str) -> None:
    assert worded.message(sample(code), "zh") == zh
    assert worded.message(sample(code), "en") == en


@pytest.mark.parametrize(("code", "zh", "en"), [
    ("rows_truncated", "1,000,062 行，超出部分未读取", "1,000,062 rows; the rest was not read"),
    ("archive_without_workbooks", "1 个文件，没有工作簿", "1 file, none of them a workbook"),
    ("xls_boundsheet_short", "数据流第 1,234 字节处的工作表记录（BOUNDSHEET）只有 1 字节",
     "a sheet record (BOUNDSHEET) at byte 1,234 of the stream only 1 byte long"),
    ("xls_workbook_too_large", "7 个工作表合计 12,345,678 个单元格范围", "7 sheets spanning 12,345,678 cells in all"),
    ("value_withdrawn_part_exceeds_total", "1,600 万元 大于 1,500 万元，两项均未采用",
     "1,600 ×10k yuan, larger than 1,500 ×10k yuan; neither is used"),
    ("value_withdrawn_share_out_of_range", "160.0%，未采用", "160.0%; not used"),
    ("ratio_read_as_percent_by_row", "“0.8”，已按 0.8% 理解（同一行 E7 的 1.5 只能是百分数）",
     "“0.8”, read as 0.8% (1.5 in E7 of the same row can only be a percentage)"),
    ("duplicate_submission_identical",
     ("共 3 份：a/自评表.xlsx 基本信息!C3、c/自评表.xlsx 基本信息!C3 以及 b/自评表.xlsx 基本信息!C3（内容相同）；"
      "本次检查使用 b/自评表.xlsx 基本信息!C3"),
     ("3 submissions: a/自评表.xlsx 基本信息!C3, c/自评表.xlsx 基本信息!C3 and b/自评表.xlsx 基本信息!C3 (identical "
      "contents); this check uses b/自评表.xlsx 基本信息!C3")),
])
def test_counts_amounts_and_lists_in_both_languages(code: str, zh: str, en: str) -> None:
    assert worded.found(sample(code), "zh") == zh
    assert worded.found(sample(code), "en") == en


def test_expected_names_limits_in_each_language() -> None:
    assert worded.expected(sample("sheet_too_large"), "zh") == "不超过 200,000 行、2,000 列、1000万个单元格范围的表格"
    assert (worded.expected(sample("sheet_too_large"), "en")
            == "a table within 200,000 rows, 2,000 columns and 10 million cells")
    assert worded.expected(sample("unknown_choice"), "en") == "Hospital grade: level 3, level 2, level 1 or ungraded"
    assert worded.expected(sample("ratio_above_100_percent"), "zh") == "激励性绩效占比（上年同期数）：0–100% 之间的比例"
    assert worded.found(sample("unsupported_file_type"), "zh") == "“.pdf”"
    no_suffix = DataProblem(FILE, "unsupported_file_type")
    assert worded.found(no_suffix, "zh") == "“无扩展名”" and worded.found(no_suffix, "en") == "“no extension”"


def test_a_message_that_needs_a_value_the_problem_lacks_fails_loudly() -> None:
    with pytest.raises(KeyError):
        worded.message(DataProblem(FILE, "too_many_parts"), "zh")
    with pytest.raises(KeyError):
        worded.message(DataProblem(FILE, "not_a_number", CELL, Details.of(value="x")), "en")  # no field name


def test_a_data_problem_round_trips_through_pickle() -> None:
    problems = [sample(code) for code in PROBLEM_MEANING]
    problems.append(DataProblem(FILE, "ratio_read_as_percent", CELL, Details.of(name="比例", value="60", percent=60.0,
                                                                               fraction=0.6), Severity.WARNING, "x"))
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        for problem in problems:
            again = pickle.loads(pickle.dumps(problem, protocol))
            assert again == problem and hash(again) == hash(problem)
            assert type(again.place) is Place and type(again.values) is Details and again.severity is problem.severity
            assert worded.message(again, "en") == worded.message(problem, "en")


def test_a_submission_error_carries_the_code_place_and_values() -> None:
    error = SubmissionError("in/自评表.xlsx", "header_missing", SHEET, Details.of(headers="字段代码 / 项目 / 填报内容"))
    assert (error.code, error.place, error.values["headers"]) == ("header_missing", SHEET, "字段代码 / 项目 / 填报内容")
    assert str(error).startswith("in/自评表.xlsx header_missing") and "指标" in str(error)  # for logs and tracebacks


def _edited(tmp_path: Path, sheet_name: str, code: str, column: int, value: object) -> Path:
    path = tmp_path / "自评表.xlsx"
    shutil.copy(EXAMPLES / "hospital-noncompliant.xlsx", path)
    book = load_workbook(path)
    sheet = book[sheet_name]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == code)
    sheet.cell(row, column).value = value
    book.save(path)
    return path


def test_a_refused_file_in_english_holds_no_chinese(catalog, tmp_path: Path) -> None:
    for name, data in (("broken.xlsx", b"this is not a zip file"), ("notes.txt", b"hello")):
        path = tmp_path / name
        path.write_bytes(data)
        _, outcome = read_file(path, catalog)
        english = outcome_message(outcome, 0, "en")
        assert outcome.status == "refused" and english == worded.message(outcome.refusal, "en")
        assert name in english and not CJK.search(english), english
        assert CJK.search(outcome_message(outcome, 0, "zh"))
    assert outcome.refusal.code == "unsupported_file_type" and outcome.refusal.values["suffix"] == ".txt"


def test_a_cell_problem_in_english_holds_no_chinese_but_the_sheet_the_field_and_the_value(catalog,
                                                                                        tmp_path: Path) -> None:
    [submission], _ = read_file(_edited(tmp_path, "基本信息", "grade", 3, "特级"), catalog)
    [problem] = submission.problems
    assert (problem.code, problem.place.sheet, problem.field_code) == ("unknown_choice", "基本信息", "grade")
    english = worded.message(problem, "en")
    assert english.startswith("自评表.xlsx, sheet “基本信息”, C") and "“特级”" in english
    assert not CJK.search(english.replace("自评表", "").replace("基本信息", "").replace("特级", "")), english

    [submission], _ = read_file(_edited(tmp_path, "指标", "total_performance_pay", 4, "一千五百"), catalog)
    [problem] = submission.problems
    english = worded.message(problem, "en")
    assert problem.code == "not_a_number" and "(this period)" in english and "“一千五百”" in english
    # the field's name is the data dictionary's, quoted as written (like rule-pack text in English reports)
    left = english.replace("自评表", "").replace("指标", "").replace("一千五百", "").replace("绩效工资总量", "")
    assert not CJK.search(left), english


def test_the_json_carries_code_place_values_and_sentences_in_the_language(tmp_path: Path) -> None:
    path = _edited(tmp_path, "指标", "total_performance_pay", 4, "一千五百")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    runner = CliRunner()
    for lang in LANGUAGES:
        result = runner.invoke(main, ["--home", str(ROOT), "check", str(path), str(broken), "--profile", "headline",
                                      "--format", "json", "--workers", "0", "--lang", lang])
        data = json.loads(result.stdout)
        [problem] = data["data_problems"]
        assert problem["code"] == "not_a_number" and problem["field"] == "total_performance_pay"
        assert problem["place"] == {"sheet": "指标", "cell": problem["place"]["cell"], "row": 0, "part": ""}
        assert re.fullmatch(r"D\d+", problem["place"]["cell"])
        assert problem["values"] == {"name": "绩效工资总量", "which": "current", "value": "一千五百"}
        assert problem["message"] == text_of(problem) and problem["severity"] == "error"
        [refusal] = [f["refusal"] for f in data["files"] if f["refusal"]]
        assert refusal["code"] == "not_a_zip" and refusal["values"] == {"format": ".xlsx"}
        assert refusal["where"] == "broken.xlsx"
        assert bool(CJK.search(refusal["message"])) is (lang == "zh"), refusal["message"]
        stderr_lines = [line for line in result.stderr.splitlines() if "一千五百" in line]
        assert stderr_lines and all(problem["message"] in line for line in stderr_lines)
        missing = [f for f in data["findings"] if f["reason"] == "missing_input"
                   and f["details"].get("problems")]
        assert missing and all(p["message"] == problem["message"] for f in missing for p in f["details"]["problems"])


def text_of(problem: dict[str, str]) -> str:
    """The JSON's whole sentence, rebuilt from its four parts in the language they are in."""
    if CJK.search(problem["fix"]):
        return f"{problem['where']}：应为{problem['expected']}，实际为{problem['found']}。{problem['fix']}"
    return f"{problem['where']}: expected {problem['expected']}; found {problem['found']}. {problem['fix']}"
