"""How numbers, units and gaps are written in Chinese messages and reports."""

from __future__ import annotations

PERCENT = "%"


def number(value: float, decimals: int = 2) -> str:
    """1234.5 -> '1,234.5'; trailing zeros dropped, at most ``decimals`` places."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def measure(value: float | None, unit: str) -> str:
    """A measured or required value in the rule's unit: 0.52 with % -> '52.0%'."""
    if value is None:
        return "—"
    if unit == PERCENT:
        return f"{value * 100:.1f}%"
    return f"{number(value)} {unit}".strip()


def gap(value: float | None, unit: str) -> str:
    """A gap in the rule's unit; percentages become percentage points."""
    if value is None:
        return "—"
    if unit == PERCENT:
        return f"{value * 100:.1f} 个百分点"
    return f"{number(value)} {unit}".strip()


def amount(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{number(value)} {unit}".strip()


def threshold_text(comparator: str, value: float, unit: str, tolerance: float = 0.0) -> str:
    if comparator == "==" and tolerance:
        return f"{measure(value, unit)} 左右（±{gap(tolerance, unit)}）"
    words = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "==": "等于"}
    return f"{words[comparator]} {measure(value, unit)}"


def change(value: float, unit: str) -> str:
    """A signed year-on-year change: +1.2 个百分点, -3 万元."""
    if unit == PERCENT:
        return f"{value * 100:+.1f} 个百分点"
    sign = "+" if value > 0 else ("-" if value < 0 else "±")
    return f"{sign}{number(abs(value))} {unit}".strip()
