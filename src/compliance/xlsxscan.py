"""Find formula cells without a cached value in .xlsx/.xlsm worksheets.

Fast readers return such a cell as blank; it must instead be reported as an
error naming the cell. Worksheet XML is streamed through defusedxml and only
parsed when it contains a formula at all.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path

from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part path inside the package."""
    with archive.open("xl/workbook.xml") as handle:
        workbook = SafeET.parse(handle).getroot()
    with archive.open("xl/_rels/workbook.xml.rels") as handle:
        rels = SafeET.parse(handle).getroot()
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{PKG_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        parts[sheet.get("name", "")] = path
    return parts


def formulas_without_values(path: Path) -> dict[str, set[tuple[int, int]]]:
    """For each sheet, the (row, column) of formula cells that carry no cached value (1-based)."""
    found: dict[str, set[tuple[int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return found
        for sheet_name, part in _sheet_parts(archive).items():
            if part not in names:
                continue
            raw = archive.read(part)
            if b"<f" not in raw and b":f" not in raw:
                continue
            cells: set[tuple[int, int]] = set()
            for _, element in SafeET.iterparse(io.BytesIO(raw), events=("end",)):
                if element.tag != f"{MAIN}c":
                    continue
                has_formula = element.find(f"{MAIN}f") is not None
                value = element.find(f"{MAIN}v")
                inline = element.find(f"{MAIN}is")
                if has_formula and (value is None or value.text in (None, "")) and inline is None:
                    letters, row = coordinate_from_string(element.get("r", "A1"))
                    cells.add((row, column_index_from_string(letters)))
                element.clear()
            if cells:
                found[sheet_name] = cells
    return found
