"""Reporting periods and dates in the reader's language: 2024年度 / 2024, 2024年上半年 / H1 2024."""

from __future__ import annotations

import datetime as dt
import re

from compliance.wording.catalogue import text


def period_text(label: str, lang: str) -> str:
    """A period's canonical label (2024, 2024H1, 2024Q3, 2024-09) as a reader writes it."""
    if match := re.fullmatch(r"(\d{4})", label):
        return text("period.year", lang, year=match[1])
    if match := re.fullmatch(r"(\d{4})H([12])", label):
        return text(f"period.half{match[2]}", lang, year=match[1])
    if match := re.fullmatch(r"(\d{4})Q([1-4])", label):
        return text("period.quarter", lang, year=match[1], quarter=match[2])
    if match := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return text("period.month", lang, year=match[1], month=int(match[2]), month2=match[2])
    return label


def date_text(day: dt.date, lang: str) -> str:
    """2024年9月30日 / 2024-09-30."""
    return text("date.long", lang, year=day.year, month=day.month, day=day.day, iso=day.isoformat())
