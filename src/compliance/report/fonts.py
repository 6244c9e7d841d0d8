"""Bundled CJK report fonts (subsets of Noto Sans CJK SC, see ``fonts/README.md``).

Two families, each in weights 400 and 700, built by ``tools/build_cjk_font.py``:

* :data:`FONT_FAMILY` "Compliance Sans SC": ASCII, Latin-1, CJK punctuation,
  full-width forms, common symbols and all of GB2312 (6763 hanzi).  Small, so
  WeasyPrint subsets it quickly.
* :data:`FONT_FAMILY_EXT` "Compliance Sans SC Ext": the other GBK hanzi.  Put
  it second in ``font-family`` (see :data:`FONT_STACK`): WeasyPrint then only
  embeds (and pays for) it when a document contains one of those characters.

The ``@font-face`` rules use ``compliance-asset:`` URLs, served by
:class:`compliance.report.fetcher.SafeURLFetcher` / ``safe_url_fetcher``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from fontTools.ttLib import TTFont

__all__ = [
    "FONT_DIR",
    "FONT_FAMILY",
    "FONT_FAMILY_EXT",
    "FONT_FILES",
    "FONT_STACK",
    "covered_codepoints",
    "font_face_css",
    "missing_glyphs",
]

FONT_DIR: Path = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Compliance Sans SC"
FONT_FAMILY_EXT = "Compliance Sans SC Ext"
#: family -> CSS weight -> file name in FONT_DIR.  The Ext family is optional
#: (absent when the fonts were built with ``--charset gb2312``).
FONT_FILES: Mapping[str, Mapping[int, str]] = MappingProxyType({
    FONT_FAMILY: MappingProxyType({400: "ComplianceSansSC-Regular.ttf", 700: "ComplianceSansSC-Bold.ttf"}),
    FONT_FAMILY_EXT: MappingProxyType({400: "ComplianceSansSCExt-Regular.ttf", 700: "ComplianceSansSCExt-Bold.ttf"}),
})
#: ``font-family`` value to use: core family, then the GBK extension family.
FONT_STACK = f'"{FONT_FAMILY}", "{FONT_FAMILY_EXT}", sans-serif'


def _available() -> list[tuple[str, int, str]]:
    """(family, weight, file name) of the bundled font files present on disk."""
    found = [(family, weight, name)
             for family, weights in FONT_FILES.items()
             for weight, name in sorted(weights.items())
             if family == FONT_FAMILY or (FONT_DIR / name).is_file()]
    return found


def font_face_css() -> str:
    """``@font-face`` rules for every bundled family and weight (``compliance-asset:`` URLs)."""
    return "\n".join(
        "@font-face {\n"
        f'  font-family: "{family}";\n'
        "  font-style: normal;\n"
        f"  font-weight: {weight};\n"
        f'  src: url("compliance-asset:fonts/{name}") format("truetype");\n'
        "}"
        for family, weight, name in _available()
    ) + "\n"


@lru_cache(maxsize=1)
def covered_codepoints() -> frozenset[int]:
    """Code points every bundled weight can draw (per weight: union of the families;
    then the intersection of the weights)."""
    per_weight: dict[int, set[int]] = {}
    for _family, weight, name in _available():
        font = TTFont(FONT_DIR / name, lazy=True)
        try:
            per_weight.setdefault(weight, set()).update(font.getBestCmap())
        finally:
            font.close()
    if not per_weight:
        return frozenset()
    return frozenset(set.intersection(*per_weight.values()))


def _never_drawn(char: str) -> bool:
    """Whitespace, controls/format characters (ZWSP, ZWJ, soft hyphen, BOM...)
    and variation selectors: the shaper does not need a glyph for them."""
    cp = ord(char)
    return (char.isspace() or unicodedata.category(char)[0] == "C"
            or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF)


def missing_glyphs(text: str) -> list[str]:
    """Sorted unique characters of `text` that the bundled fonts cannot draw
    (ignoring whitespace, control/format characters and variation selectors)."""
    covered = covered_codepoints()
    return sorted(char for char in set(text)
                  if ord(char) not in covered and not _never_drawn(char))
