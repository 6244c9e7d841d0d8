"""Findings on standard output: a table for people, strict JSON for programs.

The JSON holds every finding's structured values (numbers with their units, status, reason
code, details) beside its sentences (``message``, ``remediation``) rendered in the chosen
language, so no consumer needs to parse prose.  Numbers that are not finite are written as
null: the output is strict JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
from collections.abc import Iterator
from typing import Any

import orjson
from tabulate import tabulate

from compliance.results.findings import Citation, Finding
from compliance.results.identity import Cell, FileRef, RowRef, SubmissionRef
from compliance.results.problems import DataProblem, FileOutcome
from compliance.results.quantities import Quantity, Requirement
from compliance.results.run import CheckResult
from compliance.wording import catalogue
from compliance.wording import findings as worded
from compliance.wording import problems as problem_wording
from compliance.wording.outcomes import outcome_message

FORMAT_VERSION = 2


def plain(value: Any, lang: str = catalogue.DEFAULT_LANGUAGE) -> Any:
    """A value as strict JSON: enums as codes, dates as ISO text, non-finite floats as null; a data
    problem with its sentences in `lang`."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Cell):
        return {"file": value.file, "sheet": value.sheet, "cell": value.ref}
    if isinstance(value, Quantity):
        return quantity(value)
    if isinstance(value, DataProblem):
        return problem(value, lang)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name), lang) for field in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [plain(item, lang) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item, lang) for key, item in value.items()}
    return str(value)


def quantity(value: Quantity | None) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {"value": plain(value.value), "unit": value.unit}
    if value.of is not None:
        out["of"] = value.of
    return out


def requirement(value: Requirement | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"comparator": value.comparator, "threshold": quantity(value.threshold),
            "tolerance": quantity(value.tolerance), "basis": value.basis.value}


def submission(ref: SubmissionRef) -> dict[str, Any]:
    return {"path": ref.file.path, "sha256": ref.file.sha256, "institution": ref.institution, "period": ref.period}


def file_ref(ref: FileRef) -> dict[str, str]:
    return {"path": ref.path, "sha256": ref.sha256}


def row(source: RowRef | None) -> dict[str, Any] | None:
    return None if source is None else {"file": source.file, "sheet": source.sheet, "row": source.row}


def finding(f: Finding, lang: str, citations: dict[Citation, Any] | None = None) -> dict[str, Any]:
    """One finding; `citations`: citations already made plain in this document (a rule's findings
    share one)."""
    amount = f.gap_amount
    if citations is None:
        citation = plain(f.citation)
    elif f.citation in citations:
        citation = citations[f.citation]
    else:
        citation = citations[f.citation] = plain(f.citation)
    return {
        "subject_id": f.subject_id,
        "subject_name": f.subject_name,
        "period": f.period,
        "submission": submission(f.submission),
        "rule_id": f.rule_id,
        "rule_digest": f.rule_digest,
        "title": worded.title(f, lang),
        "kind": f.kind,
        "domain": f.domain,
        "status": f.status.value,
        "reason": f.reason.value,
        "severity": f.severity.value,
        "measure": f.measure,
        "observed": plain(f.observed.value) if f.observed is not None else None,
        "observed_unit": f.observed.unit if f.observed is not None else "",
        "required": requirement(f.required),
        "gap": plain(f.gap.value) if f.gap is not None else None,
        "gap_unit": f.gap.unit if f.gap is not None else "",
        "gap_amount": plain(amount.value) if amount is not None else None,
        "gap_amount_unit": amount.unit if amount is not None else "",
        "gap_amounts": [quantity(q) for q in f.gap_amounts],
        "gap_amount_label": worded.gap_amount_label(f, lang),
        "details": {key: plain(value, lang) for key, value in f.details.items()},
        "message": worded.message(f, lang),
        "remediation": worded.remediation(f, lang),
        "inputs": [{"field": i.field, "name": i.name, "value": plain(i.value), "unit": i.unit,
                    "shown": worded.input_value(i, lang, with_unit=True), "which": i.which,
                    "item": i.item, "cell": plain(i.cell), "source": worded.input_source(i, lang),
                    **({"earlier_period": i.earlier} if i.earlier else {})}
                   for i in f.inputs],
        "items": [{"label": item.label, "status": item.status.value, "reason": item.reason.value,
                   "observed": quantity(item.observed), "gap": quantity(item.gap),
                   "gap_amount": quantity(item.gap_amount), "source": row(item.source),
                   "note": worded.item_note(item, lang, worded.gap_amount_label(f, lang))} for item in f.items],
        "contributors": [{"code": c.code, "name": c.name, "observed": quantity(c.observed)} for c in f.contributors],
        "hospitals": [{"code": h.code, "name": h.name, "counted": h.counted, "left_out_by": h.attribute or None,
                       "value": h.value} for h in f.hospitals],
        "benchmark": [basis.value for basis in f.benchmark],
        "citation": citation,
    }


def problem(p: DataProblem, lang: str = catalogue.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """A data problem: its code, place and values, and its sentences in `lang`."""
    return {"file": file_ref(p.file), "code": p.code, "field": p.field_code, "severity": p.severity.value,
            "place": {"sheet": p.place.sheet, "cell": p.place.cell, "row": p.place.row, "part": p.place.part},
            "values": {key: plain(value) for key, value in p.values.items()},
            "where": problem_wording.where(p, lang), "expected": problem_wording.expected(p, lang),
            "found": problem_wording.found(p, lang), "fix": problem_wording.fix(p, lang),
            "message": problem_wording.message(p, lang)}


def outcome(o: FileOutcome, result: CheckResult, lang: str, counts: dict[Any, int] | None = None) -> dict[str, Any]:
    return {"path": o.path, "sha256": o.file.sha256, "status": o.status.value,
            "submissions": [submission(ref) for ref in o.submissions],
            "not_checked": [submission(ref) for ref in o.not_checked],
            "other_period": [submission(ref) for ref in o.other_period],
            "message": outcome_message(o, (counts if counts is not None else result.problem_counts()).get(o.file, 0),
                                       lang),
            "refusal": problem(o.refusal, lang) if o.refusal else None}


def _json_parts(result: CheckResult, lang: str) -> dict[str, Any]:
    """The document's members, its long lists as iterators (built one entry at a time)."""
    run = result.run
    counts = result.problem_counts()
    citations: dict[Citation, Any] = {}
    return {
        "format": FORMAT_VERSION,
        "run": {"id": run.id, "started": run.started.isoformat(), "catalog_digest": run.catalog_digest,
                "profile": run.profile, "as_of": plain(run.as_of), "started_by": run.started_by},
        "profile": run.profile,
        "as_of": plain(run.as_of),
        "findings": (finding(f, lang, citations) for f in result.findings),
        "files": (outcome(o, result, lang, counts) for o in result.outcomes),
        "data_problems": (problem(p, lang) for p in result.problems),
    }


def result_to_json(result: CheckResult, lang: str = catalogue.DEFAULT_LANGUAGE) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, Iterator) else value
            for key, value in _json_parts(result, lang).items()}


def _dumped(value: Any, depth: int) -> str:
    """`value` as JSON indented by two spaces, `depth` levels down (strings never hold a raw line
    break in JSON, so every line break is the layout's).

    orjson writes the layout ``json.dumps(..., indent=2, ensure_ascii=False)`` writes, about ten
    times faster (the standard library's indenting encoder is pure Python); it spells a small
    float's exponent out (0.00001 for 1e-05), the same number.  What orjson refuses (an integer
    past 64 bits) is written by the standard library, which refuses a non-finite float (never
    here: :func:`plain` makes it null)."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
    except orjson.JSONEncodeError:
        text = json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def json_chunks(result: CheckResult, lang: str = catalogue.DEFAULT_LANGUAGE) -> Iterator[str]:
    """The result's JSON document in pieces, one list entry at a time, so that a country's findings
    are never held as one document; joined, the document :func:`result_to_json` gives, indented by
    two spaces."""
    parts = list(_json_parts(result, lang).items())
    nothing = object()
    yield "{"
    for position, (key, value) in enumerate(parts):
        yield "\n  " + json.dumps(key, ensure_ascii=False) + ": "
        if isinstance(value, Iterator):
            first = next(value, nothing)
            if first is nothing:
                yield "[]"
            else:
                yield "[\n    " + _dumped(first, 2)
                for entry in value:
                    yield ",\n    " + _dumped(entry, 2)
                yield "\n  ]"
        else:
            yield _dumped(value, 1)
        if position < len(parts) - 1:
            yield ","
    yield "\n}"


def findings_json(result: CheckResult, lang: str = catalogue.DEFAULT_LANGUAGE) -> str:
    return "".join(json_chunks(result, lang))


def findings_table(result: CheckResult, lang: str = catalogue.DEFAULT_LANGUAGE) -> str:
    rows = []
    for f in result.findings:
        message = worded.message(f, lang)
        rows.append([
            f.subject_id, f.period, f.rule_id, f"{f.status.value} {catalogue.status_label(f.status, lang)}",
            worded.observed(f, lang), worded.required(f, lang), worded.gap(f, lang),
            message if len(message) <= 60 else message[:58] + "…",
        ])
    headers = [catalogue.text(f"cli.col.{name}", lang) for name in
               ("subject", "period", "rule", "status", "observed", "required", "gap", "message")]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
