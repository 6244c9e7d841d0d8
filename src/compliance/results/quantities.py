"""Numbers with their units, and requirements: what findings carry instead of sentences.

A ratio is stored as a fraction with the unit ``%`` (0.52 is 52 %); a difference of two ratios
has the unit ``pp`` (percentage points, also a fraction: 0.08 is 8 points).  Units from the
data dictionary (万元, 人, 天 ...) are kept as the rule packs write them; the wording layer
names them in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass
from types import MappingProxyType

PERCENT = "%"
POINTS = "pp"
UNITS = "units"  # a count of a region's units (hospitals, counties, pooling areas ...)
YUAN_FACTORS = MappingProxyType({"元": 1.0, "千元": 1e3, "万元": 1e4, "百万元": 1e6, "亿元": 1e8})

Scalar = float | bool | dt.date


def difference_unit(unit: str) -> str:
    """The unit of a difference of two values in `unit`: percentage points for ratios."""
    return POINTS if unit == PERCENT else unit


@dataclass(frozen=True)
class Quantity:
    """A value and its unit; ``of`` is the whole a count is part of (2 of 3 units)."""

    value: Scalar
    unit: str = ""
    of: int | None = None

    @property
    def number(self) -> float | None:
        """The value as a finite float, or None for yes/no, dates and non-finite values."""
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        return float(value)

    def in_yuan(self) -> float | None:
        """A money amount in 元 (for comparing money across 元, 万元 and 亿元), else None."""
        number = self.number
        return None if number is None or self.unit not in YUAN_FACTORS else number * YUAN_FACTORS[self.unit]


class Basis(enum.StrEnum):
    """What a requirement constrains."""

    VALUE = "value"            # the measured value itself
    CHANGE = "change"          # its change against the same period last year
    EVERY_UNIT = "every_unit"  # the value of every unit of a region


COMPARATORS = (">=", "<=", ">", "<", "==")


@dataclass(frozen=True)
class Requirement:
    """``observed <comparator> threshold`` (within ± tolerance for ``==``), on `basis`."""

    comparator: str
    threshold: Quantity
    tolerance: Quantity | None = None
    basis: Basis = Basis.VALUE

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"unknown comparator {self.comparator!r}")
