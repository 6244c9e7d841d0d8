"""Data problems and file outcomes: what went wrong reading a file, kept with the file or the
submission it belongs to (by identity, never by a file's name).

A data problem is a structured value: a stable code (``PROBLEM_MEANING`` lists them), the place
in the file, and the values its sentences need.  It holds no sentence:
:mod:`compliance.wording.problems` words it in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from compliance.results.findings import Details
from compliance.results.identity import FileRef, SubmissionRef
from compliance.results.status import FileStatus, Severity

#: Every data-problem code, with what it means (documented in docs/rules.md, "Data problem codes").
PROBLEM_MEANING: Mapping[str, str] = MappingProxyType({
    # a cell of a submission
    "formula_without_value": "a formula cell has no cached value (the file was never saved by a spreadsheet program)",
    "merged_cell": "a value cell is merged with another cell; a merged range holds one value",
    "not_a_number": "a number field holds text (or a yes/no) that is not a number",
    "not_finite": "a number field holds an infinite or not-a-number value",
    "number_out_of_range": "a number is beyond ±1e15 (the magnitude cap); the value is not used",
    "converted_out_of_range": "a money value converted to the template's unit is beyond ±1e15; the value is not used",
    "text_too_long": "a text field's cell holds more than 2,000 characters; the value is not used (a code, name or "
                     "period that long refuses the file or row)",
    "percent_in_non_ratio": "a value with a percent sign in a field that is not a ratio",
    "not_yes_no": "a yes/no field holds something other than yes or no",
    "not_a_date": "a date field holds something that is not a date",
    "below_minimum": "an amount or count is below its minimum (negative)",
    "ratio_above_100_percent": "a share written as a bare number reads as more than 100%",
    "ratio_read_as_percent": "warning: a bare number above 1 in a ratio field was read as a percentage",
    "ratio_read_as_percent_by_row": "warning: a bare number was read as a percentage because another cell of its row "
                                    "can only be one",
    "unknown_field_code": "an indicator row has a field code the template does not have",
    "duplicate_field_code": "an indicator row repeats a field code of an earlier row",
    "unit_unknown": "an indicator row's unit was changed to a unit that cannot be converted; its values are not used",
    "unit_changed": "warning: an indicator row's money unit was changed; its values were converted",
    "unknown_choice": "a grade, type, ownership or region level that is not in the drop-down list",
    "identification_missing": "the institution's (or region's) code or name is blank; the file or row is refused",
    "identification_not_found": "the code, name or reporting period has no row (or column); the file or row is "
                                "refused",
    "period_invalid": "the reporting period cannot be read; the file or row is refused",
    "institution_code_length": "the institution code is not 18 characters long (GB 32100-2015); the file or row is "
                               "refused",
    "institution_code_character": "the institution code holds a character a unified social credit code never uses "
                                  "(only 0-9 and capital letters but I, O, Z, S, V); the file or row is refused",
    "institution_code_division": "characters 3-8 of the institution code are not an administrative division code "
                                 "with a known province (GB/T 2260); the file or row is refused",
    "institution_code_check": "the institution code's check character (GB 32100-2015) does not match its first 17 "
                              "characters; the file or row is refused",
    "institution_code_lowercase": "warning: the institution code was written with lowercase letters; it was read "
                                  "upper-cased",
    "region_code_format": "the region code is not six digits (GB/T 2260); the file is refused",
    "region_code_province": "the region code's first two digits are no province's; the file is refused",
    "region_code_province_mismatch": "the province written is not the region code's; the file is refused",
    "region_code_city_mismatch": "the city written is not the prefecture the region code names; the file is refused",
    "column_missing": "a required column of a per-item table is missing",
    "table_header_missing": "the header row of a per-item table is not found; the table is not read",
    "rows_truncated": "a sheet has more rows than are read; the rest is not read",
    "columns_truncated": "a sheet has content beyond the columns that are read; it is not read",
    # a file the reader refuses
    "header_missing": "the header row of the 基本信息 or 指标 sheet is not found",
    "layout_unrecognised": "neither the template's sheets nor a flat table with an institution-code column",
    "no_sheets": "the file has no worksheet",
    "read_failed": "reading the file raised an unexpected error",
    "rows_without_institution": "no row of a flat table names an institution",
    "no_data_rows": "a flat table has no data row",
    "file_missing": "the path given does not exist",
    "file_unreadable": "the file cannot be opened",
    "not_a_regular_file": "the path is a pipe, a device or a socket, not a file (it would block or never end)",
    "file_too_large": "the file is larger than the size cap",
    "csv_too_large": "a CSV file is larger than the size cap",
    "csv_encoding_unknown": "a CSV file is neither UTF-8 nor GB18030",
    "csv_malformed": "a CSV file's record cannot be parsed (a quote left open, or a value over 131,072 characters)",
    "unsupported_file_type": "the file's extension is not one the reader accepts",
    "not_a_zip": "an .xlsx, .xlsm or .ods file that is not a valid zip container",
    "duplicate_part": "a package part name appears twice in the zip directory",
    "too_many_parts": "the zip container has more parts than the cap",
    "zip_bomb": "the zip container decompresses to too much or too highly compressed",
    "spreadsheet_unreadable": "the spreadsheet reader cannot open the file",
    "sheet_not_in_package": "a sheet listed by the workbook has no worksheet part the scan checked",
    "sheet_too_wide": "a sheet's content reaches beyond the width cap",
    "too_many_merged_ranges": "a sheet has more merged ranges than the cap",
    "xml_malformed": "an XML part of an .xlsx package cannot be parsed",
    "sheet_too_large": "a worksheet's cells reach beyond the row, column or area cap",
    "ods_sheet_too_large": "an .ods table, its repeated rows and cells expanded, is beyond the row, column or area cap",
    "ods_structure": "an .ods content.xml whose tables, rows and cells are not nested as in a spreadsheet",
    "bad_shared_strings": "cells refer to shared strings that do not exist",
    "part_compression_unsupported": "a package part is compressed with a method spreadsheets do not use",
    "part_encrypted": "a package part is encrypted",
    "part_crc_mismatch": "a package part decompresses to other data than its zip directory records",
    "part_corrupt": "a package part's compressed data cannot be decompressed",
    "part_size_mismatch": "a package part's size differs from what its zip directory records",
    "xls_not_ole2": "an .xls file that is not an OLE2 compound file",
    "xls_ole_malformed": "an .xls file's OLE2 container is malformed",
    "xls_stream_not_at_root": "the .xls workbook stream the reader would open is not the one at the root",
    "xls_stream_larger_than_file": "the .xls workbook stream declares more bytes than the file has",
    "xls_stream_unreadable": "the .xls workbook stream cannot be read along its sector chain",
    "xls_stream_size_mismatch": "the .xls workbook stream is not the size its directory entry declares",
    "xls_no_workbook_stream": "an .xls file without a Workbook or Book stream",
    "xls_too_many_sheets": "an .xls workbook lists more sheets than any workbook has",
    "xls_sheet_beyond_stream": "an .xls sheet record points beyond the end of the stream",
    "xls_sheets_overlap": "the record ranges of .xls sheets run over each other",
    "xls_filepass_incomplete": "an .xls encryption record (FILEPASS) is incomplete",
    "xls_encrypted": "an .xls workbook protected by an opening password",
    "xls_boundsheet_short": "an .xls sheet record (BOUNDSHEET) is too short",
    "xls_record_header_truncated": "an .xls record header is cut off by the end of the stream",
    "xls_record_beyond_stream": "an .xls record declares more bytes than the stream has left",
    "xls_cell_record_short": "an .xls cell record is too short",
    "xls_formula_record_short": "an .xls formula record is too short",
    "xls_mulrk_short": "an .xls MULRK record is too short",
    "xls_mulrk_length_mismatch": "an .xls MULRK record's length does not match its column range",
    "xls_dimensions_length": "an .xls DIMENSIONS record has a length other than 14 or 10 bytes",
    "xls_cells_too_spread": "an .xls sheet's cells span more rows, columns or cells than the caps",
    "xls_formulas_too_spread": "an .xls sheet's formula cells span more rows, columns or cells than the caps",
    "xls_dimensions_too_large": "an .xls DIMENSIONS record reserves more cells than the area cap",
    "xls_workbook_too_large": "the sheets of an .xls workbook together span more cells than the area cap",
    "archive_too_many_members": "a zip archive holds more files than the cap",
    "archive_without_workbooks": "a zip archive holds no workbook",
    "archive_unreadable": "a zip archive cannot be unpacked",
    "read_timeout": "reading the file did not finish within the time limit",
    "read_crashed": "the worker reading the file died (a crash or a memory cap)",
    "read_error": "the task reading the file failed",
    # the quality and grouping stages
    "value_withdrawn_part_exceeds_total": "a part is larger than its total: both values are withdrawn",
    "value_withdrawn_share_out_of_range": "a share is outside 0–100%: the value is withdrawn",
    "duplicate_submission": "two submissions for the same institution (or region) and period that differ; the "
                            "last one given is used",
    "duplicate_submission_identical": "warning: the same submission given twice; the last one given is used",
})


@dataclass(frozen=True)
class Place:
    """Where in a file a problem is: a sheet, a cell (``D7``) or a row, an inner part of a package
    (``xl/worksheets/sheet1.xml``) or an archive member; all empty: the file as a whole."""

    sheet: str = ""
    cell: str = ""
    row: int = 0
    part: str = ""

    def __str__(self) -> str:
        pieces = [f"sheet={self.sheet!r}" if self.sheet else "", self.cell, f"row={self.row}" if self.row else "",
                  f"part={self.part}" if self.part else ""]
        return " ".join(piece for piece in pieces if piece) or "(file)"


@dataclass(frozen=True)
class DataProblem:
    """A problem found in submitted data; collected, never raised.

    ``code`` says what kind of problem it is (a key of ``PROBLEM_MEANING``), ``place`` where it
    is, and ``values`` the parameters its sentences need (the field's name, the raw value found
    as text, limits, sizes, counts, the other cell ...).
    """

    file: FileRef
    code: str
    place: Place = field(default_factory=Place)
    values: Details = field(default_factory=Details)
    severity: Severity = Severity.ERROR
    field_code: str = ""

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_MEANING:
            raise ValueError(f"unknown data-problem code {self.code!r}")


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one submitted file.

    ``submissions`` are the subjects read from it (one for a workbook, one per row of a flat
    table); ``refusal`` says why a refused file could not be read; ``problems`` are the file's
    own problems that belong to no submission (a row of a flat table without an institution
    code, say).  An archive's outcome counts the workbooks unpacked from it and names the
    members skipped; each workbook then has an outcome of its own.
    """

    file: FileRef
    status: FileStatus
    submissions: tuple[SubmissionRef, ...] = ()
    refusal: DataProblem | None = None
    problems: tuple[DataProblem, ...] = ()
    rows_refused: int = 0
    unpacked: int = 0
    skipped: tuple[str, ...] = ()
    not_checked: tuple[SubmissionRef, ...] = ()  # replaced by another file's submission of the same subject and period
    other_period: tuple[SubmissionRef, ...] = ()  # of another period than the audit's: set aside, not checked

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def is_archive(self) -> bool:
        return bool(self.unpacked or self.skipped) or self.file.path.lower().endswith(".zip")
