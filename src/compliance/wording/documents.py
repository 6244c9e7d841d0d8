"""A document's place in time, worded: its validity beside a citation, its time scope, and why a
rule does not judge a period (or judges it only as a benchmark)."""

from __future__ import annotations

import datetime as dt

from compliance.results.findings import Citation, Finding
from compliance.results.status import Benchmark, Validity
from compliance.wording.catalogue import join, text
from compliance.wording.dates import period_text


def validity_text(citation: Citation, lang: str) -> str:
    """有效, 失效, 2023-01-01 废止: the document's status as shown beside its citation."""
    label = text(f"validity.{citation.validity.value}", lang)
    if citation.validity_date is None or citation.validity is Validity.IN_FORCE:
        return label
    return text("validity.dated", lang, validity=label, date=citation.validity_date.isoformat())


def time_scope_text(start: dt.date | None, end: dt.date | None, lang: str) -> str:
    """2020-01-01 至 2020-12-31, or 2021-01-01 起 for an open scope."""
    if start is None and end is None:
        return text("time_scope.any", lang)
    if end is None:
        return text("time_scope.open", lang, start=start.isoformat() if start else "")
    if start is None:
        return text("time_scope.until", lang, end=end.isoformat())
    return text("time_scope.range", lang, start=start.isoformat(), end=end.isoformat())


def outside_time_scope(f: Finding, lang: str) -> str:
    scope = time_scope_text(f.details.get("scope_start"), f.details.get("scope_end"), lang)
    return text("msg.outside_time_scope", lang, scope=scope, period=period_text(f.details["period"], lang))


def repealed(f: Finding, lang: str) -> str:
    validity = Validity(f.details["validity"])
    return text(f"msg.repealed.{validity.value}", lang, date=f.details["ends"].isoformat(),
                period=period_text(f.details["period"], lang))


def benchmark_note(f: Finding, lang: str) -> str:
    """What a benchmark finding set aside, as a sentence ('' for a rule judging in its own right)."""
    if not f.benchmark:
        return ""
    details = f.details
    parts = []
    for basis in f.benchmark:
        if basis is Benchmark.JURISDICTION:
            parts.append(text("benchmark.jurisdiction", lang, jurisdiction=details.get("benchmark_jurisdiction", "")))
        elif basis is Benchmark.TIME_SCOPE:
            scope = time_scope_text(details.get("benchmark_scope_start"), details.get("benchmark_scope_end"), lang)
            parts.append(text("benchmark.time_scope", lang, scope=scope))
        else:
            ends = details.get("benchmark_ends")
            parts.append(text(f"benchmark.validity.{details.get('benchmark_validity', 'expired')}", lang,
                              date=ends.isoformat() if ends else ""))
    return text("msg.benchmark", lang, bases=join(parts, lang, long=True))
