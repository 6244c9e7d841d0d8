"""The one message catalogue: every word the tool writes, in simplified Chinese (default) and English.

The messages live in gettext catalogues, ``locale/<lang>/LC_MESSAGES/compliance.po``, read with
Babel; a message's id is a stable key (``pdf.title``, ``msg.scalar.met``), its text may hold
``{name}`` placeholders (filled with ``str.format``), and messages that count something have
plural forms chosen by the language's plural rule (``count.hospitals``: 1 hospital, 2 hospitals).
Text from rule packs and submissions (titles, quotes, names) is never translated.

    >>> text("pdf.title", "en")
    'Health-reform compliance inspection report'
    >>> plural("count.hospitals", 1, "en")
    '1 hospital'
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from gettext import GNUTranslations
from importlib import resources
from types import MappingProxyType
from typing import Any

from compliance.results.status import Status

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
#: Babel's locale of each language (number formats, plural rules).
LOCALES: Mapping[str, str] = MappingProxyType({"zh": "zh_Hans_CN", "en": "en"})
DOMAIN = "compliance"


@dataclass(frozen=True)
class _Catalogue:
    translations: GNUTranslations
    singular: Mapping[str, str]
    plural_keys: frozenset[str]


@cache  # static data shipped with the package: read once per process, never changed
def _catalogue(lang: str) -> _Catalogue:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = resources.files("compliance.wording").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[lang], domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    singular = {message.id: message.string for message in catalog if message.id and isinstance(message.id, str)}
    plurals = frozenset(message.id[0] for message in catalog if isinstance(message.id, tuple))
    return _Catalogue(GNUTranslations(compiled), MappingProxyType(singular), plurals)


def _language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}; known: {', '.join(LANGUAGES)}")
    return lang


def messages(lang: str = DEFAULT_LANGUAGE) -> Mapping[str, str]:
    """Every message of ``lang`` without plural forms, read-only, keyed like :func:`text` (for templates)."""
    return _catalogue(_language(lang)).singular


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The message ``key`` in ``lang``, its placeholders filled from `values`; ``KeyError`` naming
    the key when there is none."""
    table = messages(lang)
    try:
        found = table[key]
    except KeyError:
        raise KeyError(f"no message {key!r}") from None
    return found.format(**values) if values else found


def plural(key: str, n: float, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The form of the plural message ``key`` for the count `n` in ``lang``, with ``{n}`` and
    `values` filled in (`n` is shown as given)."""
    catalogue = _catalogue(_language(lang))
    if key not in catalogue.plural_keys:
        raise KeyError(f"no plural message {key!r}")
    count = int(n) if float(n).is_integer() else 2  # a fraction takes the form of "many"
    return catalogue.translations.ngettext(key, key, count).format(n=_count(n), **values)


def _count(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


def has_plural(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    return key in _catalogue(_language(lang)).plural_keys


def status_label(status: Status | str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Label of a status code, e.g. ``fail`` → 不达标 / Fail."""
    return text(f"status.{Status(status).value}", lang)


def status_meaning(status: Status | str, lang: str = DEFAULT_LANGUAGE) -> str:
    """One line saying what a status means."""
    return text(f"status_meaning.{Status(status).value}", lang)


def kind_label(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Name of a rule kind (every key of ``compliance.rules.kinds.KINDS``, and ``quality``)."""
    return text(f"kind.{kind}", lang)


def level_label(level: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Name of a subject level: ``hospital`` or ``region``."""
    return text(f"level.{level}", lang)


def vocab_label(vocabulary: str, code: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A subject attribute (grade, type, ownership, region level) by its code; "not given" when blank."""
    if not code:
        return text("pdf.cover.not_given", lang)
    return messages(lang).get(f"vocab.{vocabulary}.{code}", code)


def field_name(code: str, chinese: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Name of an identification field; ``chinese`` (the data dictionary's name) when not catalogued."""
    return messages(lang).get(f"field.{code}", chinese)


def domain_label(domain: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A rule pack's policy domain; packs name domains in Chinese, unknown ones stay as written."""
    return messages(lang).get(f"domain.{domain}", domain)


def unit_name(unit: str, lang: str = DEFAULT_LANGUAGE, n: float = 2) -> str:
    """A unit of the data dictionary in ``lang`` (万元 → ×10k yuan; 人 → person / people by `n`);
    a unit the catalogue does not know (a submitted item unit such as 只) stays as written."""
    if not unit:
        return unit
    key = f"unit.{unit}"
    if has_plural(key, lang):
        return plural(key, n, lang)
    return messages(lang).get(key, unit)


def paren(main: str, aside: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``main（aside）`` in Chinese, ``main (aside)`` in English."""
    return f"{main}（{aside}）" if lang == "zh" else f"{main} ({aside})"


def join(parts: list[str], lang: str = DEFAULT_LANGUAGE, long: bool = False) -> str:
    """Parts of a list: 、 (；) in Chinese, ", " ("; ") in English."""
    return text("list.sep_long" if long else "list.sep", lang).join(parts)
