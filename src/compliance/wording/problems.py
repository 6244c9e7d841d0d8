"""A data problem in the reader's language: where it is, what was expected, what was found and how
to fix it, written from its code, place and values.  This is the only place a data problem (or a
refused file) becomes prose: the command line, the JSON, the gap workbook and the PDF documents
all call these functions.

The sentences are catalogue messages ``problem.<code>.expected``, ``.found`` and ``.fix``; a code
without a message of its own takes its family's, named by the code's first word
(``problem.xls.expected`` for every ``xls_...`` code that has none).  Their placeholders are the
problem's values, shown in the reader's language:

* ``value`` (the raw value found) quoted as it was submitted, or "blank";
* ``label``: the field's name (an identification field's from the catalogue) with the column it
  was read from (``which``: this period, last year);
* an integer whose name ends in a counted noun (``rows``, ``max_parts``, ``size_bytes`` ...) with
  that noun in its plural form, ``max_cells`` and ``max_magnitude`` in a compact form (1000万,
  10 million), other numbers with the language's separators;
* ``unit`` and ``from_unit`` in the language, ``share`` as a percentage, ``choices`` the field's
  allowed values, ``when`` this period or last year (from ``prior``), ``part_amount`` and
  ``total_amount`` with their units; a list joined with the language's separator; the place's
  ``sheet``, ``cell`` and ``part``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.numbers import format_compact_decimal

from compliance.results.problems import DataProblem
from compliance.wording import quantities as q
from compliance.wording.catalogue import (
    LOCALES,
    field_name,
    join,
    messages,
    plural,
    text,
    unit_name,
)
from compliance.wording.dates import period_text

#: The counted nouns: an integer value whose name ends in one is shown with it (``problem.n.<noun>``).
COUNTED_NOUNS = frozenset({"rows", "columns", "cells", "parts", "files", "ranges", "sheets", "bytes", "seconds",
                           "submissions", "characters"})
_COMPACT = frozenset({"max_cells", "max_magnitude"})


def _number(key: str, value: float, lang: str) -> str:
    if key in _COMPACT:
        return format_compact_decimal(value, format_type="long", locale=LOCALES[lang])
    if isinstance(value, int):
        noun = key.rsplit("_", 1)[-1]
        shown = q.number(value, lang, 0)
        return plural(f"problem.n.{noun}", value, lang, count=shown) if noun in COUNTED_NOUNS else shown
    return q.number(value, lang, 6)


def _shown(key: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return q.yes_no(value, lang)
    if isinstance(value, (int, float)):
        return _number(key, value, lang)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return join([_shown(key, item, lang) for item in value], lang)
    return str(value)


def _quoted(raw: str | None, lang: str) -> str:
    return text("problem.blank", lang) if raw is None else text("problem.quoted", lang, value=raw)


def _label(problem: DataProblem, name: str, lang: str) -> str:
    """The field's name with the column it was read from."""
    values = problem.values
    shown = field_name(values.get("field") or problem.field_code, name, lang)
    which = values.get("which")
    return text(f"problem.which.{which}", lang, name=shown) if which else shown


def parameters(problem: DataProblem, lang: str) -> dict[str, str]:
    """What the messages of `problem` may refer to, shown in `lang`.  Only what the problem holds:
    a message that needs more fails (KeyError) rather than leave a gap in its sentence."""
    values = problem.values
    place = problem.place
    shown = {key: value for key, value in (("sheet", place.sheet), ("cell", place.cell), ("part", place.part)) if value}
    shown.update({key: _shown(key, value, lang) for key, value in values.items()})
    shown["value"] = _quoted(values.get("value"), lang)  # a value not given was blank
    if "name" in values:
        shown["label"] = _label(problem, values["name"], lang)
    if problem.code == "unsupported_file_type":
        shown["suffix"] = _quoted(values.get("suffix") or text("problem.no_suffix", lang), lang)
    for key in ("unit", "from_unit"):
        if key in values:
            shown[key] = unit_name(values[key], lang)
    if "share" in values:
        shown["share"] = q.percent(float(values["share"]), lang)
    if "period" in values:
        shown["period"] = period_text(str(values["period"]), lang)
    if "prior" in values:
        shown["when"] = text("msg.quality.when_prior" if values["prior"] else "msg.quality.when_current", lang)
    for which in ("part", "total"):
        if f"{which}_value" in values:
            shown[f"{which}_amount"] = q.with_unit(float(values[f"{which}_value"]), values.get(f"{which}_unit", ""),
                                                   lang)
    choices = f"problem.choices.{values.get('field', '')}"
    if choices in messages(lang):
        shown["choices"] = text(choices, lang)
    return shown


def message_key(code: str, part: str, lang: str) -> str:
    """The catalogue key of a problem's ``expected``, ``found`` or ``fix`` message: its code's, else its family's."""
    key = f"problem.{code}.{part}"
    if key in messages(lang):
        return key
    family = f"problem.{code.split('_', 1)[0]}.{part}"
    if family in messages(lang):
        return family
    raise KeyError(f"no message {key!r} (nor {family!r})")


def _part(problem: DataProblem, part: str, lang: str) -> str:
    return text(message_key(problem.code, part, lang), lang, **parameters(problem, lang))


def where(problem: DataProblem, lang: str) -> str:
    """The file's name and the place in it: '自评表.xlsx 工作表“指标” D7' / '自评表.xlsx, sheet “指标”, D7'."""
    place = problem.place
    pieces = [problem.file.name]
    if place.sheet:
        pieces.append(text("problem.where.sheet", lang, sheet=place.sheet))
    cells = problem.values.get("cells")
    if place.cell:
        pieces.append(place.cell)
    elif isinstance(cells, tuple) and cells:  # several cells of one sheet
        pieces.append(join(list(cells), lang))
    if place.row:
        pieces.append(text("problem.where.row", lang, row=place.row))
    if place.part:
        pieces.append(text("problem.where.part", lang, part=place.part))
    return text("problem.where.sep", lang).join(pieces)


def expected(problem: DataProblem, lang: str) -> str:
    return _part(problem, "expected", lang)


def found(problem: DataProblem, lang: str) -> str:
    return _part(problem, "found", lang)


def fix(problem: DataProblem, lang: str) -> str:
    return _part(problem, "fix", lang)


def message(problem: DataProblem, lang: str) -> str:
    """The whole sentence: where, what was expected, what was found, and how to fix it."""
    shown = parameters(problem, lang)
    return text("problem.message", lang, where=where(problem, lang),
                **{part: text(message_key(problem.code, part, lang), lang, **shown)
                   for part in ("expected", "found", "fix")})
