"""Reporting periods and dates in the reader's language: 2024年度 / 2024, 2024年上半年 / H1 2024,
2019年1—9月 / Jan–Sep 2019."""

from __future__ import annotations

import datetime as dt

from compliance.results.periods import Period, parse_period
from compliance.wording.catalogue import text


def period_text(period: Period | str, lang: str) -> str:
    """A period (or its canonical label: 2024, 2024H1, 2024Q3, 2024-09, 2024M01-09) as a reader
    writes it; a text that is no label is shown as it is."""
    found = period if isinstance(period, Period) else parse_period(period)
    if found is None or (isinstance(period, str) and found.label != period):
        return str(period)
    year = f"{found.year:04d}"
    if found.kind == "year":
        return text("period.year", lang, year=year)
    if found.kind == "half":
        return text(f"period.half{1 if found.first_month == 1 else 2}", lang, year=year)
    if found.kind == "quarter":
        return text("period.quarter", lang, year=year, quarter=(found.first_month + 2) // 3)
    if found.kind == "month":
        return text("period.month", lang, year=year, month=found.first_month, month2=f"{found.first_month:02d}")
    return text("period.months", lang, year=year, first=found.first_month, last=found.last_month,
                first_name=text(f"period.month_name.{found.first_month}", lang),
                last_name=text(f"period.month_name.{found.last_month}", lang))


def date_text(day: dt.date, lang: str) -> str:
    """2024年9月30日 / 2024-09-30."""
    return text("date.long", lang, year=day.year, month=day.month, day=day.day, iso=day.isoformat())
