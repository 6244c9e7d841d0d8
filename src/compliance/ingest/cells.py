"""Read the cells of one sheet into values of their fields' types, within the reader's bounds.

Text longer than ``values.MAX_TEXT_LENGTH`` in a text field and a number beyond ``values.MAX_MAGNITUDE``
(as written, or once converted to the template's unit) are data problems naming the cell, and
the value is not used.
"""

from __future__ import annotations

import sys
from pathlib import Path

from compliance.ingest import values as conv
from compliance.ingest.submission import Reading
from compliance.ingest.workbook import Grid, cell_ref
from compliance.results.findings import Details
from compliance.results.identity import Cell, FileRef
from compliance.results.problems import DataProblem, Place
from compliance.results.status import Severity
from compliance.rules.spec import FieldSpec

_PLAIN_NUMBER_TYPES = frozenset({"money", "number", "count"})  # ratio: see CellReader.read_ratios

#: A ratio cell to read: (row, column, which); the cells of one group are read the same way.
#: ``which`` says which of the field's values the cell holds, for messages: "current" and "prior"
#: (the template's 本期数 and 上年同期数 columns), "prior_column" (a flat table's 上年同期 column) or "".
RatioCell = tuple[int, int, str]

#: Where the values of one indicator row were read: the readings by field code, the column, and which value it holds.
ValueColumn = tuple[dict[str, Reading], int, str]


class CellReader:
    """Reads the cells of one sheet of one file, collecting its data problems."""

    def __init__(self, path: Path, grid: Grid, file: FileRef | None = None) -> None:
        self.path = path
        self.file_ref = file or FileRef(str(path), "")
        self.file = path.name  # one string object for every cell: pickled once per file, not per cell
        self.sheet = sys.intern(grid.name)  # shared by the files of a reply, like the cell references
        self.grid = grid
        self.problems: list[DataProblem] = []

    def cell(self, row: int, column: int) -> Cell:
        return Cell(self.file, self.sheet, cell_ref(row, column))

    def problem(self, row: int, column: int, code: str, values: Details, field_code: str = "",
                severity: Severity = Severity.ERROR) -> None:
        place = Place(self.sheet, cell_ref(row, column))
        self.problems.append(DataProblem(self.file_ref, code, place, values, severity, field_code))

    def read(self, row: int, column: int, value_type: str, name: str, field_code: str,
             minimum: float | None = None, which: str = "") -> Reading:
        if value_type == "ratio":
            return self.read_ratios([(row, column, which)], name, field_code, minimum)[0]
        grid = self.grid
        if not grid.formula_without_value and not grid.merged:
            raw = grid.get(row, column)
            # Most cells of a filled template: a number in a number field, accepted as it is.
            if (type(raw) is float and value_type in _PLAIN_NUMBER_TYPES and conv.in_range(raw)
                    and (minimum is None or raw >= minimum)):
                return Reading(raw, Cell(self.file, self.sheet, cell_ref(row, column)))
            # what values.to_text makes of a non-blank string
            if type(raw) is str and value_type == "text" and len(raw) <= conv.MAX_TEXT_LENGTH:
                text = raw.strip()
                if text.lower() not in conv.BLANK_WORDS:
                    return Reading(text, Cell(self.file, self.sheet, cell_ref(row, column)))
        converted = self._convert(row, column, value_type, name, which, field_code)
        if converted is None:
            return Reading(None, self.cell(row, column))
        return self._at_least(row, column, converted.value, name, which, field_code, minimum)

    def _convert(self, row: int, column: int, value_type: str, name: str, which: str,
                 field_code: str) -> conv.Converted | None:
        """The cell's value converted to `value_type`; None (with a data problem) when unusable."""
        grid = self.grid
        if grid.formula_without_value and (row, column) in grid.formula_without_value:
            self.problem(row, column, "formula_without_value", Details.of(name=name, which=which or None), field_code)
            return None
        origin = grid.merged_origin(row, column) if grid.merged else None
        if origin is not None:
            self.problem(row, column, "merged_cell", Details.of(name=name, which=which or None,
                                                                other_cell=cell_ref(*origin)), field_code)
            return None
        raw = grid.get(row, column)
        if value_type == "text" and isinstance(raw, str) and len(raw) > conv.MAX_TEXT_LENGTH and not conv.is_blank(raw):
            self.problem(row, column, "text_too_long", Details.of(
                name=name, which=which or None, value=conv.raw_text(raw), max_characters=conv.MAX_TEXT_LENGTH,
                characters=len(raw)), field_code)
            return None
        converted = conv.convert(raw, value_type)
        if converted.problem:
            bound = conv.MAX_MAGNITUDE if converted.problem == "number_out_of_range" else None
            self.problem(row, column, converted.problem, Details.of(
                name=name, which=which or None, value=conv.raw_text(raw), max_magnitude=bound), field_code)
            return None
        return converted

    def _at_least(self, row: int, column: int, value: object, name: str, which: str, field_code: str,
                  minimum: float | None) -> Reading:
        if minimum is not None and isinstance(value, float) and value < minimum:
            self.problem(row, column, "below_minimum", Details.of(
                name=name, which=which or None, value=conv.raw_text(self.grid.get(row, column)), minimum=minimum),
                field_code)
            return Reading(None, self.cell(row, column))
        return Reading(value, Cell(self.file, self.sheet, cell_ref(row, column)))

    def read_ratios(self, cells: list[RatioCell], name: str, field_code: str, minimum: float | None) -> list[Reading]:
        """Read the ratio cells of one row (this period and last year's) the same way.

        A spreadsheet stores a ratio as a fraction (the template formats these cells as
        percentages: 60% is stored as 0.6), and a value typed with % is unambiguous.  A bare
        number above 1 can only be a percentage (60 means 60%); once one cell of the row is
        written that way, every bare number of the row is read as a percentage, so 0.8 beside
        1.5 is 0.8%, not 80%.  Each reading that was such a choice gets a warning naming the cell.
        """
        converted = [(cell, self._convert(cell[0], cell[1], "ratio", name, cell[2], field_code)) for cell in cells]
        bare = [(cell, c) for cell, c in converted
                if c is not None and isinstance(c.value, float) and not c.percent_sign]
        as_percent = [(cell, c) for cell, c in bare if abs(c.value) > 1]
        readings: list[Reading] = []
        for (row, column, which), value in converted:
            if value is None:
                readings.append(Reading(None, self.cell(row, column)))
                continue
            number = value.value
            if as_percent and (row, column, which) in dict(bare) and isinstance(number, float):
                raw = conv.raw_text(self.grid.get(row, column))
                if minimum is not None and minimum >= 0 and number > 100:
                    self.problem(row, column, "ratio_above_100_percent",
                                 Details.of(name=name, which=which or None, value=raw), field_code)
                    readings.append(Reading(None, self.cell(row, column)))
                    continue
                if abs(number) > 1:
                    self.problem(row, column, "ratio_read_as_percent", Details.of(
                        name=name, which=which or None, value=raw, percent=number, fraction=number / 100),
                        field_code, Severity.WARNING)
                else:
                    (other_row, other_column, _), other = as_percent[0]
                    self.problem(row, column, "ratio_read_as_percent_by_row", Details.of(
                        name=name, which=which or None, value=raw, percent=number, fraction=number / 100,
                        other_cell=cell_ref(other_row, other_column), other_value=other.value),
                        field_code, Severity.WARNING)
                number = number / 100
            readings.append(self._at_least(row, column, number, name, which, field_code, minimum))
        return readings

    def apply_unit(self, spec: FieldSpec, row: int, column: int, targets: list[ValueColumn]) -> None:
        """Money typed in 元 or 亿元 where the template says 万元 is converted, and the clerk told;
        a value beyond the magnitude cap once converted is not used."""
        raw = self.grid.get(row, column)
        written = str(raw).strip() if raw not in (None, "") else spec.unit
        if written == spec.unit or not spec.unit:
            return
        read = [(readings, value_column, which) for readings, value_column, which in targets
                if spec.code in readings and isinstance(readings[spec.code].value, float)]
        values = Details.of(name=spec.name, unit=spec.unit, value=conv.raw_text(written))
        if conv.rescale_money(1.0, written, spec.unit) is None:
            self.problem(row, column, "unit_unknown", values, spec.code)
            for readings, _, _ in read:
                readings[spec.code] = Reading(None, readings[spec.code].cell)
            return
        for readings, value_column, which in read:
            reading = readings[spec.code]
            number = conv.rescale_money(reading.value, written, spec.unit)
            if number is None or not conv.in_range(number):
                self.problem(row, value_column, "converted_out_of_range", Details.of(
                    name=spec.name, which=which, value=conv.raw_text(self.grid.get(row, value_column)),
                    from_unit=conv.raw_text(written), unit=spec.unit, max_magnitude=conv.MAX_MAGNITUDE), spec.code)
                number = None
            readings[spec.code] = Reading(number, reading.cell)
        if read:  # a value was converted: say so (an unreadable value has its own problem already)
            self.problem(row, column, "unit_changed", values, spec.code, severity=Severity.WARNING)
