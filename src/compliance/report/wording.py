"""How a finding's values read in a report language.

Rule kinds write a finding's observed, required and gap texts in Chinese, with the closed set of
phrases of :mod:`compliance.wording.formatting` and the kinds (不低于 60.0%, 8.0 个百分点, 2/3 个单位达标,
较上年提高 …).  Chinese reports print them as written.  English reports translate exactly that
closed set of phrases and the units of the data dictionary; text from rule packs (titles, quotes,
remediation) stays as written.  ``tests/test_i18n.py`` renders every finding of the bundled
examples in English and fails if generated wording is left in Chinese.
"""

from __future__ import annotations

import re

from compliance.report import i18n
from compliance.results.findings import Finding
from compliance.results.status import Status

# Units of the data dictionary (catalogue keys ``unit.<unit>``), longest first so 万元 is not read as 元.
_UNITS: tuple[str, ...] = tuple(sorted((key[len("unit."):] for key in i18n.messages("zh") if key.startswith("unit.")),
                                      key=len, reverse=True))
_UNIT_AFTER_NUMBER = re.compile(r"(?<=[0-9%])\s*(" + "|".join(map(re.escape, _UNITS)) + r")(?=$|[\s）)，,；;])")

# Generated phrases (formatting.py and the kinds), most specific first: pattern -> catalogue key
# whose English text is the replacement (it may refer to the pattern's groups as \1, \2).
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), key) for pattern, key in (
    (r"(\d+)/(\d+) 个单位达标", "phrase.units_met"),
    (r"全部单位", "phrase.every_unit"),
    (r"较上年提高", "phrase.higher_than_last_year"),
    (r"较上年降低", "phrase.lower_than_last_year"),
    (r"(\S+) 左右（±(.+?)）", "phrase.about"),
    (r"个百分点", "phrase.pp"),
    (r"不低于\s*", "phrase.at_least"),
    (r"不高于\s*", "phrase.at_most"),
    (r"高于\s*", "phrase.above"),
    (r"低于\s*", "phrase.below"),
    (r"等于\s*", "phrase.equal"),
))
_WORDS = {"是": "bool.true", "否": "bool.false", "（空）": "phrase.blank", "未填写": "pdf.cover.not_given"}


def unit(name: str, lang: str) -> str:
    """A unit of the data dictionary in ``lang`` (万元 → ×10k yuan)."""
    return i18n.messages(lang).get(f"unit.{name}", name) if name else name


def phrase(text: str, lang: str) -> str:
    """A generated value, requirement or gap in ``lang``; Chinese is returned unchanged."""
    if lang == "zh" or not text:
        return text
    if text in _WORDS:
        return i18n.text(_WORDS[text], lang)
    worded = text
    for pattern, key in _PHRASES:
        worded = pattern.sub(i18n.text(key, lang), worded)
    worded = _UNIT_AFTER_NUMBER.sub(lambda m: f" {unit(m.group(1), lang)}".rstrip(), worded)
    return re.sub(r"\s{2,}", " ", worded).strip()


def observed(finding: Finding, lang: str) -> str:
    return phrase(finding.observed_text, lang)


def required(finding: Finding, lang: str) -> str:
    return phrase(finding.required_text, lang)


def gap(finding: Finding, lang: str) -> str:
    return phrase(finding.gap_text, lang)


def value(text: str, lang: str) -> str:
    """A submitted value as shown (是/否, blank) in ``lang``."""
    return text if lang == "zh" or text not in _WORDS else i18n.text(_WORDS[text], lang)


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
