"""Bundled CJK report fonts ("Compliance Sans SC", a Noto Sans CJK SC subset).

The fonts are built by ``tools/build_cjk_font.py`` (see ``fonts/README.md``).
They are served to WeasyPrint through the ``compliance-asset:`` URL scheme by
:class:`compliance.report.fetcher.SafeURLFetcher`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

__all__ = [
    "FONT_DIR",
    "FONT_FAMILY",
    "FONT_FILES",
    "FONT_STACK",
    "covered_codepoints",
    "font_face_css",
    "missing_glyphs",
]

FONT_DIR: Path = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Compliance Sans SC"
#: CSS weight -> file name in FONT_DIR.
FONT_FILES: dict[int, str] = {
    400: "ComplianceSansSC-Regular.ttf",
    700: "ComplianceSansSC-Bold.ttf",
}
#: Ready-made ``font-family`` value.
FONT_STACK = f'"{FONT_FAMILY}", sans-serif'


def font_face_css() -> str:
    """``@font-face`` rules for both weights, using ``compliance-asset:`` URLs."""
    return "\n".join(
        "@font-face {\n"
        f'  font-family: "{FONT_FAMILY}";\n'
        "  font-style: normal;\n"
        f"  font-weight: {weight};\n"
        f'  src: url("compliance-asset:fonts/{name}") format("truetype");\n'
        "}"
        for weight, name in sorted(FONT_FILES.items())
    ) + "\n"


@lru_cache(maxsize=1)
def covered_codepoints() -> frozenset[int]:
    """Code points mapped by *every* bundled weight (the cmap intersection)."""
    covered: set[int] | None = None
    for name in FONT_FILES.values():
        font = TTFont(FONT_DIR / name, lazy=True)
        try:
            cmap = set(font.getBestCmap())
        finally:
            font.close()
        covered = cmap if covered is None else covered & cmap
    return frozenset(covered or ())


def missing_glyphs(text: str) -> list[str]:
    """Sorted unique characters of `text` the bundled fonts cannot draw.

    Whitespace, control and format characters (category C*, e.g. ZWSP, soft
    hyphen, BOM) are ignored: they are never drawn.
    """
    covered = covered_codepoints()
    missing = {
        char for char in set(text)
        if ord(char) not in covered
        and not char.isspace()
        and unicodedata.category(char)[0] != "C"
    }
    return sorted(missing)
