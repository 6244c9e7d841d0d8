"""How a finding's values read in a report language.

Rule kinds write a finding's observed, required and gap texts in Chinese, with the closed set of
phrases of :mod:`compliance.formatting` and the kinds (不低于 60.0%, 8.0 个百分点, 2/3 个单位达标,
较上年提高 …).  Chinese reports print them as written.  English reports translate exactly that
closed set of phrases and the units of the data dictionary; text from rule packs (titles, quotes,
remediation) stays as written.  ``tests/test_i18n.py`` renders every finding of the bundled
examples in English and fails if generated wording is left in Chinese.
"""

from __future__ import annotations

import re

from ..codes import Status
from ..findings import Finding
from . import i18n

# Units of the data dictionary, longest first so that 万元 is not read as 元.
_UNITS: dict[str, str] = {
    "张/千人": "per 1,000 people",
    "最小销售单位": "min. sales units",
    "万元": "×10k yuan",
    "亿元": "×100m yuan",
    "万人": "×10k people",
    "人次": "visits",
    "学时": "class hours",
    "小时": "hours",
    "元": "yuan",
    "人": "people",
    "个": "",
    "项": "items",
    "家": "institutions",
    "天": "days",
    "次": "times",
    "类": "categories",
    "种": "kinds",
    "张": "sheets",
    "级": "levels",
    "分": "points",
    "所": "facilities",
    "台": "units",
    "倍": "×",
}
_UNIT_AFTER_NUMBER = re.compile(r"(?<=[0-9%])\s*(" + "|".join(map(re.escape, _UNITS)) + r")(?=$|[\s）)，,；;])")

# Generated phrases (formatting.py and the kinds), most specific first.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), english) for pattern, english in (
    (r"(\d+)/(\d+) 个单位达标", r"\1 of \2 units meet it"),
    (r"全部单位", "every unit "),
    (r"较上年提高", "higher than last year"),
    (r"较上年降低", "lower than last year"),
    (r"(\S+) 左右（±(.+?)）", r"about \1 (± \2)"),
    (r"个百分点", "pp"),
    (r"不低于\s*", "≥ "),
    (r"不高于\s*", "≤ "),
    (r"高于\s*", "> "),
    (r"低于\s*", "< "),
    (r"等于\s*", "= "),
))
_WORDS = {"是": "Yes", "否": "No", "（空）": "(blank)", "未填写": "not given"}


def unit(name: str, lang: str) -> str:
    """A unit of the data dictionary in ``lang`` (万元 → ×10k yuan)."""
    return name if lang == "zh" else _UNITS.get(name, name)


def phrase(text: str, lang: str) -> str:
    """A generated value, requirement or gap in ``lang``; Chinese is returned unchanged."""
    if lang == "zh" or not text:
        return text
    if text in _WORDS:
        return _WORDS[text]
    english = text
    for pattern, replacement in _PHRASES:
        english = pattern.sub(replacement, english)
    english = _UNIT_AFTER_NUMBER.sub(lambda m: f" {_UNITS[m.group(1)]}" if _UNITS[m.group(1)] else "", english)
    return re.sub(r"\s{2,}", " ", english).strip()


def observed(finding: Finding, lang: str) -> str:
    return phrase(finding.observed_text, lang)


def required(finding: Finding, lang: str) -> str:
    return phrase(finding.required_text, lang)


def gap(finding: Finding, lang: str) -> str:
    return phrase(finding.gap_text, lang)


def value(text: str, lang: str) -> str:
    """A submitted value as shown (是/否, blank) in ``lang``."""
    return text if lang == "zh" else _WORDS.get(text, text)


def conclusion(finding: Finding, lang: str) -> str:
    """The finding's conclusion: the kind's own Chinese sentence, or an English one built from
    the status and the translated values."""
    if lang == "zh":
        return finding.message
    status = finding.status
    seen, wanted, short = observed(finding, lang), required(finding, lang), gap(finding, lang)
    parts = []
    if seen and seen != "—":
        parts.append(f"observed {seen}")
    if wanted and wanted != "—":
        parts.append(f"required {wanted}")
    if status in (Status.FAIL, Status.WARN, Status.NOT_DUE) and short and short != "—":
        parts.append(f"gap {short}")
    failing = [item for item in finding.items if item.status in (Status.FAIL, Status.WARN, Status.MISSING_DATA)]
    if finding.items:
        parts.append(f"{len(failing)} of {len(finding.items)} items need attention")
    detail = "; ".join(parts) or finding.message  # e.g. a data-quality check: its own sentence
    return f"{i18n.text(f'conclusion.{status.value}', lang)}{': ' + detail if detail else ''}."
