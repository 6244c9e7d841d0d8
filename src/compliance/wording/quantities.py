"""Numbers, quantities and requirements in the reader's language (Babel's number formats).

A ratio (``%``) prints as a percentage with one decimal (0.09 → 9.0%), a difference of ratios
as percentage points (8.0 个百分点, 8.0 pp), money and counts with thousands separators and at
most two decimals, yes/no as 是/否 (Yes/No), dates as ISO dates.
"""

from __future__ import annotations

import datetime as dt
import math
from types import MappingProxyType

from babel import Locale
from babel.numbers import parse_pattern

from compliance.results.quantities import (
    PERCENT,
    POINTS,
    UNITS,
    Basis,
    Quantity,
    Requirement,
)
from compliance.wording.catalogue import LOCALES, plural, text, unit_name

DASH = "—"
#: Parsed once: Babel's format_decimal parses its pattern and locale on every call.
_BABEL_LOCALES = MappingProxyType({lang: Locale.parse(name) for lang, name in LOCALES.items()})
_PATTERNS = MappingProxyType({decimals: parse_pattern("#,##0" + ("." + "#" * decimals if decimals else ""))
                              for decimals in range(7)})


def number(value: float, lang: str, decimals: int = 2) -> str:
    """1234.5 → '1,234.5': thousands separators, at most `decimals` places, no trailing zeros."""
    if not math.isfinite(value):
        return text("value.beyond_range", lang)
    pattern = _PATTERNS.get(decimals) or parse_pattern("#,##0" + ("." + "#" * decimals if decimals else ""))
    formatted = pattern.apply(round(value, decimals) + 0.0, _BABEL_LOCALES[lang])
    return "0" if formatted in ("-0", "") else formatted


def percent(value: float, lang: str) -> str:
    """A fraction as a percentage with one decimal: 0.0915 → '9.2%'."""
    if not math.isfinite(value * 100):
        return text("value.beyond_range", lang)
    return f"{_fixed(value * 100, 1)}%"


def whole_percent(value: float, signed: bool = False) -> str:
    """A fraction as a whole percentage: 1.5 → '150%' ('+150%' when `signed`); an infinite one as ∞."""
    if not math.isfinite(value * 100):
        return f"{'+' if signed and value > 0 else '-' if value < 0 else ''}∞%"
    return f"{value * 100:{'+' if signed else ''}.0f}%"


def _fixed(value: float, decimals: int) -> str:
    text_ = f"{value:.{decimals}f}"
    return text_[1:] if text_.startswith("-") and float(text_) == 0 else text_


def points(value: float, lang: str) -> str:
    if not math.isfinite(value * 100):
        return text("value.beyond_range", lang)
    return text("value.pp", lang, value=_fixed(value * 100, 1))


def yes_no(value: bool, lang: str) -> str:
    return text("bool.true" if value else "bool.false", lang)


def with_unit(value: float, unit: str, lang: str) -> str:
    """A number and its unit: '2,200 万元' / '2,200 ×10k yuan', '1 person', '3 people'."""
    shown = number(value, lang)
    name = unit_name(unit, lang, value)
    return text("value.with_unit", lang, value=shown, unit=name).strip() if name else shown


def quantity(q: Quantity | None, lang: str) -> str:
    """A quantity as a reader sees it; '—' for none."""
    if q is None:
        return DASH
    value = q.value
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, dt.date):
        return value.isoformat()
    if q.unit == PERCENT:
        return percent(value, lang)
    if q.unit == POINTS:
        return points(value, lang)
    if q.unit == UNITS and q.of is not None:
        return text("value.units_met", lang, n=number(value, lang), total=q.of)
    if q.unit == UNITS:
        return plural("count.units", value, lang)
    return with_unit(value, q.unit, lang)


def change(q: Quantity | None, lang: str) -> str:
    """A signed change: '+1.2 个百分点', '-3 万元', '±0'."""
    if q is None:
        return DASH
    value = float(q.value)  # type: ignore[arg-type]
    if value == 0:
        return text("value.change_none", lang)
    size = quantity(Quantity(abs(value), q.unit), lang)
    return text("value.change_up" if value > 0 else "value.change_down", lang, value=size)


def comparator(symbol: str, lang: str) -> str:
    return text(f"cmp.{symbol}", lang)


def requirement(req: Requirement | None, lang: str) -> str:
    """'不低于 60.0%' / '≥ 60.0%', '15.0% 左右（±3.0 个百分点）', '较上年提高', '全部单位不低于 1 人', '是'."""
    if req is None:
        return DASH
    threshold = req.threshold
    if isinstance(threshold.value, bool):
        return yes_no(threshold.value, lang)
    if isinstance(threshold.value, dt.date):
        return text("req.by_date", lang, date=threshold.value.isoformat())
    if req.basis is Basis.CHANGE:
        rising = req.comparator in (">", ">=")
        if threshold.value == 0:
            return text("req.rise" if rising else "req.fall", lang)
        size = quantity(Quantity(abs(float(threshold.value)), threshold.unit), lang)
        return text("req.rise_at_least" if rising else "req.fall_at_least", lang, value=size)
    if req.comparator == "==" and req.tolerance is not None:
        plain = text("req.about", lang, value=quantity(threshold, lang), tolerance=quantity(req.tolerance, lang))
    else:
        plain = text("req.compare", lang, comparator=comparator(req.comparator, lang), value=quantity(threshold, lang))
    if req.basis is Basis.EVERY_UNIT:
        return text("req.every_unit", lang, requirement=plain)
    return plain


def target(req: Requirement, lang: str) -> str:
    """What a missed requirement was compared with: the threshold, or the whole 'about' target."""
    if req.comparator == "==" and req.tolerance is not None:
        return requirement(req, lang)
    return quantity(req.threshold, lang)


def amounts(values: tuple[Quantity, ...], lang: str) -> str:
    """The money or quantity behind a gap: '9,315 元', or one per unit: '3,500 只；200 套'."""
    return text("list.sep_long", lang).join(quantity(q, lang) for q in values) if values else DASH
