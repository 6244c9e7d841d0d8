"""Conversion of raw cell values to typed values, with a data-problem code when it fails."""

from __future__ import annotations

import datetime as dt
import math
import re
from types import MappingProxyType
from typing import Any, NamedTuple

_FULLWIDTH = MappingProxyType(str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%"))
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "√", "✓", "1", "有"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "×", "✗", "0", "无"})
BLANK_WORDS = frozenset({"", "-", "—", "/", "无数据", "n/a", "na"})
#: The largest magnitude a number may have, as written and in the template's unit after a unit change.
#: A thousand trillion is beyond any amount or count a hospital or region reports (China's GDP is
#: about 1.3e14 yuan), below 2**53 (where floats stop holding every whole number), and leaves sums
#: and products of read values finite.
MAX_MAGNITUDE = 1e15
#: The longest text a cell may hold to be used (Excel allows 32,767 characters): names, codes and
#: notes are far shorter, and longer text would cost the reports minutes to lay out.
MAX_TEXT_LENGTH = 2000


class Converted(NamedTuple):
    value: Any
    problem: str = ""  # the data-problem code when conversion failed (not_a_number, not_a_date ...)
    percent_sign: bool = False


MONEY_FACTORS = MappingProxyType({"元": 1.0, "千元": 1e3, "万元": 1e4, "百万元": 1e6, "亿元": 1e8})


def rescale_money(value: float, from_unit: str, to_unit: str) -> float | None:
    """Convert between 元, 万元 and 亿元; None when either unit is not a money unit."""
    if from_unit not in MONEY_FACTORS or to_unit not in MONEY_FACTORS:
        return None
    return value * MONEY_FACTORS[from_unit] / MONEY_FACTORS[to_unit]


def bare_percentage(value: float, is_share: bool) -> float | None:
    """The documented rule for a ratio typed without %: 1 < |x| <= 100 means percent (60 -> 0.6)."""
    if 1 < abs(value) <= 100:
        return value / 100
    return None if is_share and value > 100 else value


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in BLANK_WORDS)


def in_range(number: float) -> bool:
    """Whether `number` is within the magnitude cap (infinity and NaN never are)."""
    return -MAX_MAGNITUDE <= number <= MAX_MAGNITUDE


def to_number(raw: Any, value_type: str) -> Converted:
    """Numbers, numbers typed as text (1,234.5; full-width digits), and percentages for ratios;
    a number beyond ``MAX_MAGNITUDE`` (or text that only a float's infinity could hold) is refused."""
    if type(raw) is float:  # what a spreadsheet reader returns for most number cells: decided at once
        if in_range(raw):
            return Converted(raw)
        return Converted(None, "number_out_of_range" if math.isfinite(raw) else "not_finite")
    if is_blank(raw):
        return Converted(None)
    if isinstance(raw, bool):
        return Converted(None, "not_a_number")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Converted(None, "not_finite")
        return Converted(float(raw)) if in_range(raw) else Converted(None, "number_out_of_range")
    if not isinstance(raw, str):
        return Converted(None, "not_a_number")
    text = raw.strip().translate(_FULLWIDTH).replace(" ", "")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if not text or not _NUMBER.match(text) or text in {"+", "-", "."}:
        return Converted(None, "not_a_number")
    number = float(text.replace(",", ""))
    if not in_range(number):
        return Converted(None, "number_out_of_range")
    if percent:
        if value_type != "ratio":
            return Converted(None, "percent_in_non_ratio")
        number /= 100
    return Converted(number, percent_sign=percent)


def to_bool(raw: Any) -> Converted:
    if is_blank(raw):
        return Converted(None)
    if isinstance(raw, bool):
        return Converted(raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return Converted(bool(raw))
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return Converted(True)
    if text in FALSE_WORDS:
        return Converted(False)
    return Converted(None, "not_yes_no")


def to_text(raw: Any) -> Converted:
    if is_blank(raw):
        return Converted(None)
    if isinstance(raw, float) and raw.is_integer():
        return Converted(str(int(raw)))
    if isinstance(raw, (dt.datetime, dt.date)):
        return Converted(raw.isoformat()[:10])
    return Converted(str(raw).strip())


_CN_DATE = re.compile(r"^(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def to_date(raw: Any) -> Converted:
    """Dates as Excel dates or serial numbers, ISO text, 2024/9/30 or 2024年9月30日."""
    if is_blank(raw):
        return Converted(None)
    if isinstance(raw, dt.datetime):
        return Converted(raw.date())
    if isinstance(raw, dt.date):
        return Converted(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 20000 < raw < 80000:
        return Converted(EXCEL_EPOCH + dt.timedelta(days=int(raw)))
    if isinstance(raw, str):
        match = _CN_DATE.match(raw.strip().translate(_FULLWIDTH))
        if match:
            try:
                return Converted(dt.date(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                pass
    return Converted(None, "not_a_date")


_NUMBER_TYPES = frozenset({"money", "ratio", "number", "count"})


def convert(raw: Any, value_type: str) -> Converted:
    if value_type in _NUMBER_TYPES:
        return to_number(raw, value_type)
    if value_type == "bool":
        return to_bool(raw)
    if value_type == "date":
        return to_date(raw)
    return to_text(raw)


def raw_text(raw: Any) -> str | None:
    """A raw value as a data problem keeps it: its text, cut to 40 characters; None when blank."""
    if raw is None:
        return None
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "..."
