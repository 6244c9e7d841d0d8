"""The codes a subject is known by: an institution's unified social credit code and a region's
administrative division code.  The history store and the reports key on these codes, so a code
that cannot be one is never used as an identity.

**Institution codes** (统一社会信用代码, GB 32100-2015): 18 characters from
``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S or V); characters 3–8 the registering
authority's administrative division (GB/T 2260: a known province prefix, or ``100000`` for a
national authority); character 18 the check character over the first 17 (weights 3^(i-1) mod 31,
C18 = 31 − (Σ mod 31), 31 read as ``0``), computed by python-stdnum's ``cn.uscc``.  A code written
in lowercase letters is read upper-cased, with a warning naming the cell; the subject is then
known by the upper-cased code everywhere.

**Region codes** (行政区划代码, GB/T 2260; a medical-insurance pool's code has the same form): six
digits with a known province prefix; the province (and, where the code names a prefecture in the
table, the city) written beside it must be the code's.

The table of divisions is package data (``data/divisions.csv``): every province-level division and
the prefecture-level divisions of the provinces the rule packs cover.  A division not in the table
is checked by its province only.

A code that fails is a data problem with a code of its own (``institution_code_*``,
``region_code_*``); the reader refuses the file (or the flat table's row) with it.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

from stdnum.cn import uscc

from compliance.ingest.values import raw_text
from compliance.results.findings import Details

#: The characters of a unified social credit code (GB 32100-2015, table 1: no I, O, Z, S, V).
USCC_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
#: The weights of the check character over characters 1–17 (3^(i-1) mod 31).
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: Characters 3–8 of a code registered by a national authority (not a GB/T 2260 division).
NATIONAL_AUTHORITY = "100000"
REGION_CODE_LENGTH = 6
MAX_SHOWN = 10  # the invalid characters a problem names (the distinct ones, in order)
_USCC_SET = frozenset(USCC_CHARACTERS)
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class Division:
    """An administrative division of the table: its code, name and the other names it goes by."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()

    def named(self, text: str) -> bool:
        """Whether `text` names this division (its name or an alias, spaces aside)."""
        written = "".join(text.split())
        return written == self.name or written in self.aliases


def _load_divisions() -> Mapping[str, Division]:
    source = resources.files("compliance.ingest").joinpath("data", "divisions.csv")
    with source.open(encoding="utf-8", newline="") as stream:
        rows = [Division(row["code"], row["name"], tuple(a for a in row["aliases"].split("|") if a))
                for row in csv.DictReader(stream)]
    return MappingProxyType({row.code: row for row in rows})


#: Division code -> division: provinces (``XX0000``) and the prefectures (``XXYY00``) of the table.
DIVISIONS: Mapping[str, Division] = _load_divisions()
#: Two-digit province prefix -> the province.
PROVINCES: Mapping[str, Division] = MappingProxyType(
    {code[:2]: division for code, division in DIVISIONS.items() if code.endswith("0000")})


@dataclass(frozen=True)
class CodeCheck:
    """What checking a code gave: the code to know the subject by (``code``; empty when the code
    is unusable) and, when something was wrong, the data-problem code (``problem``) with its
    values (without the field's name and cell, which the reader adds)."""

    code: str
    problem: str = ""
    values: Details = field(default_factory=Details)

    @property
    def usable(self) -> bool:
        return bool(self.code)


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character of a code's first 17 characters (from the code set)."""
    return uscc.calc_check_digit(first17)


def with_check_character(first17: str) -> str:
    """`first17` followed by its check character: a complete code (for examples and tests)."""
    return first17 + check_character(first17)


def _division_known(division: str) -> bool:
    return division == NATIONAL_AUTHORITY or (
        len(division) == REGION_CODE_LENGTH and set(division) <= _DIGITS and division[:2] in PROVINCES)


def check_institution_code(written: str) -> CodeCheck:
    """Check an institution's code as written (surrounding spaces already removed).

    Problems, in the order they are looked for: ``institution_code_length`` (not 18 characters),
    ``institution_code_character`` (a character outside the code set: ``invalid`` lists them,
    ``position`` is the first one's), ``institution_code_division`` (characters 3–8 not a division
    code with a known province), ``institution_code_check`` (the check character is not the one
    the first 17 give: ``check`` and ``expected_check``).  A code that is valid once its lowercase
    letters are upper-cased is usable, with the warning ``institution_code_lowercase``.
    """
    code = written.upper() if any("a" <= ch <= "z" for ch in written) else written
    found = Details.of(value=raw_text(written))
    if len(code) != USCC_LENGTH:
        return CodeCheck("", "institution_code_length", found.with_values(characters=len(code)))
    invalid = [index for index, ch in enumerate(code) if ch not in _USCC_SET]
    if invalid:
        shown = tuple(dict.fromkeys(written[index] for index in invalid))[:MAX_SHOWN]
        return CodeCheck("", "institution_code_character", found.with_values(invalid=shown, position=invalid[0] + 1))
    if not _division_known(code[2:8]):
        return CodeCheck("", "institution_code_division", found.with_values(division=code[2:8]))
    expected = check_character(code[:17])
    if code[17] != expected:
        return CodeCheck("", "institution_code_check", found.with_values(check=code[17], expected_check=expected))
    if code != written:
        return CodeCheck(code, "institution_code_lowercase", found.with_values(code=code))
    return CodeCheck(code)


def check_region_code(written: str, province: str | None, city: str | None) -> CodeCheck:
    """Check a region's code as written and the province and city written beside it.

    Problems: ``region_code_format`` (not six digits), ``region_code_province`` (no province has
    the code's first two digits: ``prefix``), ``region_code_province_mismatch`` (the province
    written is not the code's: ``province``, ``expected_province``), ``region_code_city_mismatch``
    (the code names a prefecture of the table and the city written is another: ``city``,
    ``expected_city``).  A blank province or city is not compared.
    """
    found = Details.of(value=raw_text(written))
    if len(written) != REGION_CODE_LENGTH or not set(written) <= _DIGITS:
        return CodeCheck("", "region_code_format", found)
    own = PROVINCES.get(written[:2])
    if own is None:
        return CodeCheck("", "region_code_province", found.with_values(prefix=written[:2]))
    if province and not own.named(province):
        return CodeCheck("", "region_code_province_mismatch",
                         found.with_values(province=raw_text(province), expected_province=own.name))
    prefecture = DIVISIONS.get(written[:4] + "00") if written[2:4] != "00" else None
    if city and prefecture is not None and not prefecture.named(city):
        return CodeCheck("", "region_code_city_mismatch",
                         found.with_values(city=raw_text(city), expected_city=prefecture.name))
    return CodeCheck(written)
