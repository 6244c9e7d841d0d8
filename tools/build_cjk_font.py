#!/usr/bin/env python3
"""Build the bundled "Compliance Sans SC" report fonts from Noto Sans CJK SC.

Why: without libharfbuzz-subset, WeasyPrint subsets every embedded font with
fontTools, once per document, at a cost proportional to the font's glyph count.
Debian's Noto Sans CJK (65 535 CFF glyphs per face) costs 6-9 s per Chinese
PDF.  Pre-subset TrueType fonts with only the characters reports can contain
cost about as much as a Latin font, and give much smaller PDFs with either
subsetter.

Two families are built, each in Regular (400) and Bold (700):

* "Compliance Sans SC" (``ComplianceSansSC-*.ttf``, ~8 800 glyphs): ASCII,
  Latin-1, pinyin letters, General Punctuation, CJK Symbols and Punctuation,
  Halfwidth/Fullwidth Forms, common math / unit / technical symbols, every
  character of GB2312 (all 6 763 hanzi + its symbol rows) and every character
  found in the repository's ``rules/*.yaml`` and ``src/compliance/**/*.j2|
  *.yaml`` files.  Nearly every report only ever embeds this family.
* "Compliance Sans SC Ext" (``ComplianceSansSCExt-*.ttf``): the rest of GBK
  (14 000+ hanzi such as 埇 堃 珺 喆) plus the space characters.  Used as a
  CSS fallback family, so WeasyPrint only pays for it when a document actually
  contains such a character.  Skipped when the size budget would be exceeded
  (``--charset gb2312``, or ``auto`` over ``--max-total-mb``).

Per face: find the "Noto Sans CJK SC" face of the system .ttc by its name
table; point the cmap at the GSUB ``locl`` forms for Chinese (ZHS), e.g. the
full-width em dash; subset with fontTools.subset (no OpenType layout tables, no vertical
metrics, no hinting: WeasyPrint supports neither vertical writing nor keeps
GSUB/GPOS in PDFs, and fontTools would decompile them for every document);
convert CFF outlines to quadratic TrueType ``glyf`` outlines with cu2qu as in
fontTools' ``otf2ttf`` snippet; ``maxp`` 1.0; ``post`` format 2 (glyph names
load 3x faster than format 3 names synthesised from the cmap); rename (the
upstream Reserved Font Name is "Source"; "Noto" is a Google trademark).
Outputs go to ``src/compliance/report/fonts/`` with ``LICENSE-OFL.txt`` and a
``README.md`` holding the measured sizes and coverage counts.

Usage::

    python tools/build_cjk_font.py                  # auto: GBK ext if within budget
    python tools/build_cjk_font.py --charset gb2312 # core family only
    python tools/build_cjk_font.py --max-total-mb 16 --jobs 2

The font files are deterministic (head timestamps copied from the source).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import multiprocessing
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools import version as fonttools_version
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "src" / "compliance" / "report" / "fonts"
SOURCE_FAMILY = "Noto Sans CJK SC"
SOURCE_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/opentype/noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
)
#: style -> (source collection file, OS/2 weight class)
WEIGHTS = {
    "Regular": ("NotoSansCJK-Regular.ttc", 400),
    "Bold": ("NotoSansCJK-Bold.ttc", 700),
}
#: face key -> (family name, PostScript family prefix)
FAMILIES = {
    "core": ("Compliance Sans SC", "ComplianceSansSC"),
    "ext": ("Compliance Sans SC Ext", "ComplianceSansSCExt"),
}
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")

#: cu2qu approximation error in font units (1000/em), as fontTools' otf2ttf.
MAX_ERR = 1.0

#: Tables removed from the bundled fonts (besides CFF, replaced by glyf).
DROP_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG", "DSIG"]

# --------------------------------------------------------------------------- #
# Character sets
# --------------------------------------------------------------------------- #

#: Whole Unicode blocks put in the core family (only what the source maps).
BLOCKS: dict[str, tuple[int, int]] = {
    "Basic Latin (printable ASCII)": (0x0020, 0x007E),
    "Latin-1 Supplement": (0x00A0, 0x00FF),
    "Latin Extended-A (pinyin)": (0x0100, 0x017F),
    "Spacing Modifier Letters": (0x02B0, 0x02FF),
    "Greek and Coptic": (0x0370, 0x03FF),
    "General Punctuation": (0x2000, 0x206F),
    "Superscripts and Subscripts": (0x2070, 0x209F),
    "Currency Symbols": (0x20A0, 0x20CF),
    "Letterlike Symbols": (0x2100, 0x214F),
    "Number Forms": (0x2150, 0x218F),
    "Arrows": (0x2190, 0x21FF),
    "Mathematical Operators": (0x2200, 0x22FF),
    "Miscellaneous Technical": (0x2300, 0x23FF),
    "Enclosed Alphanumerics": (0x2460, 0x24FF),
    "Box Drawing": (0x2500, 0x257F),
    "Block Elements": (0x2580, 0x259F),
    "Geometric Shapes": (0x25A0, 0x25FF),
    "Miscellaneous Symbols": (0x2600, 0x26FF),
    "Dingbats": (0x2700, 0x27BF),
    "CJK Symbols and Punctuation": (0x3000, 0x303F),
    "Enclosed CJK Letters and Months": (0x3200, 0x32FF),
    "CJK Compatibility": (0x3300, 0x33FF),
    "Vertical Forms": (0xFE10, 0xFE1F),
    "CJK Compatibility Forms": (0xFE30, 0xFE4F),
    "Small Form Variants": (0xFE50, 0xFE6F),
    "Halfwidth and Fullwidth Forms": (0xFF00, 0xFFEF),
}

#: Individual characters that must be in the core family (pinyin letters from
#: Latin Extended-B / IPA, symbols reports use).  Noto Sans CJK has no
#: ‱ ☐ ☑ ✔ ✗ ✘: use ✓ × √ □ ■ instead.
EXTRA_CHARS = "ǎǐǒǔǖǘǚǜǍǏǑǓǕǗǙǛɑɡ℃℉‰№ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ≥≤±×÷√≠≈∞∑∏∈∵∴°′″✓※￥"


def _decode_dbcs(codec: str, leads: range, trails: list[int]) -> set[str]:
    """Every character obtained by decoding a valid two-byte code of `codec`."""
    chars: set[str] = set()
    for lead in leads:
        for trail in trails:
            try:
                text = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                chars.add(text)
    return chars


def gb2312_chars() -> set[str]:
    """All GB2312 characters (EUC-CN: both bytes in 0xA1..0xFE)."""
    return _decode_dbcs("gb2312", range(0xA1, 0xFF), list(range(0xA1, 0xFF)))


def gbk_chars() -> set[str]:
    """All GBK two-byte characters (lead 0x81..0xFE, trail 0x40..0xFE but 0x7F)."""
    trails = [t for t in range(0x40, 0xFF) if t != 0x7F]
    return _decode_dbcs("gbk", range(0x81, 0xFF), trails)


def is_hanzi(char: str) -> bool:
    return unicodedata.name(char, "").startswith(
        ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def repo_text_chars(root: Path) -> set[str]:
    """Visible characters used in the repository's rule files and templates."""
    patterns = [
        (root / "rules", "*.yaml"), (root / "rules", "*.yml"),
        (root / "src" / "compliance", "**/*.j2"),
        (root / "src" / "compliance", "**/*.yaml"),
        (root / "src" / "compliance", "**/*.yml"),
    ]
    chars: set[str] = set()
    for base, pattern in patterns:
        if not base.is_dir():
            continue
        for path in sorted(base.glob(pattern)):
            try:
                chars.update(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                print(f"  warning: cannot read {path}: {exc}", file=sys.stderr)
    return {c for c in chars if unicodedata.category(c)[0] not in "CZ"}


@dataclass
class Charset:
    codepoints: set[int] = field(default_factory=set)
    parts: dict[str, int] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, cps: set[int], source_cmap: dict[int, str],
            exclude: frozenset[int] = frozenset()) -> None:
        present = {cp for cp in cps if cp in source_cmap} - exclude
        self.codepoints |= present
        self.parts[label] = len(present)
        missing = sorted(cp for cp in cps if cp not in source_cmap)
        if missing and label not in BLOCKS:
            self.unavailable[label] = "".join(chr(cp) for cp in missing)


def core_charset(source_cmap: dict[int, str]) -> Charset:
    cs = Charset()
    for label, (lo, hi) in BLOCKS.items():
        cs.add(label, set(range(lo, hi + 1)), source_cmap)
    cs.add("extra symbols", {ord(c) for c in EXTRA_CHARS}, source_cmap)
    cs.add("GB2312 (all 7445 chars)", {ord(c) for c in gb2312_chars()}, source_cmap)
    cs.add("GB2312 hanzi", {ord(c) for c in gb2312_chars() if is_hanzi(c)}, source_cmap)
    cs.add("repository texts", {ord(c) for c in repo_text_chars(REPO_ROOT)}, source_cmap)
    return cs


def ext_charset(source_cmap: dict[int, str], core: set[int]) -> Charset:
    cs = Charset()
    gbk = gbk_chars()
    cs.add("GBK chars not in core", {ord(c) for c in gbk}, source_cmap, frozenset(core))
    cs.add("  of which hanzi", {ord(c) for c in gbk if is_hanzi(c)}, source_cmap,
           frozenset(core))
    # Pango keeps a space in the font of the text around it without checking
    # coverage: the fallback family must draw spaces, or they become boxes.
    spaces = {cp for cp in source_cmap if unicodedata.category(chr(cp)) == "Zs"}
    cs.add("space separators (Zs)", spaces, source_cmap)
    return cs


# --------------------------------------------------------------------------- #
# Source font lookup
# --------------------------------------------------------------------------- #

def find_source(filename: str, style: str) -> tuple[Path, int]:
    """Path and collection index of the Noto Sans CJK SC face of `style`."""
    for directory in SOURCE_DIRS:
        path = directory / filename
        if not path.exists():
            continue
        collection = TTCollection(str(path), lazy=True)
        try:
            for index, font in enumerate(collection.fonts):
                name = font["name"]
                family = name.getDebugName(16) or name.getDebugName(1)
                subfamily = name.getDebugName(17) or name.getDebugName(2)
                if family == SOURCE_FAMILY and subfamily == style:
                    return path, index
        finally:
            collection.close()
        raise SystemExit(f"{path}: no face named {SOURCE_FAMILY!r} {style!r}")
    raise SystemExit(
        f"{filename} not found in {', '.join(map(str, SOURCE_DIRS))}; "
        "install Debian's fonts-noto-cjk")


# --------------------------------------------------------------------------- #
# Simplified-Chinese localized forms
# --------------------------------------------------------------------------- #

def bake_zhs_locl(font: TTFont) -> dict[int, tuple[str, str]]:
    """Point the cmap at the glyphs GSUB ``locl`` selects for Chinese (ZHS).

    The bundled fonts have no GSUB, so without this a Chinese document would
    get e.g. the 0.894 em Latin em dash instead of the full-width one that
    Noto Sans CJK SC shows for ``lang="zh-CN"`` text ("——", "2021—2025").
    Returns {code point: (old glyph, new glyph)}.
    """
    if "GSUB" not in font:
        return {}
    gsub = font["GSUB"].table
    features = gsub.FeatureList.FeatureRecord
    lookups: set[int] = set()
    for script in gsub.ScriptList.ScriptRecord:
        if script.ScriptTag not in ("hani", "latn"):
            continue
        for lang in script.Script.LangSysRecord:
            if lang.LangSysTag.strip() == "ZHS":
                lookups.update(
                    index for fi in lang.LangSys.FeatureIndex
                    if features[fi].FeatureTag == "locl"
                    for index in features[fi].Feature.LookupListIndex)
    mapping: dict[str, str] = {}
    for index in sorted(lookups):
        lookup = gsub.LookupList.Lookup[index]
        for subtable in lookup.SubTable:
            subtable = getattr(subtable, "ExtSubTable", subtable)
            if getattr(subtable, "LookupType", lookup.LookupType) == 1:
                for old, new in subtable.mapping.items():
                    mapping.setdefault(old, new)
    changed: dict[int, tuple[str, str]] = {}
    for table in font["cmap"].tables:
        if table.format == 14:
            continue
        for cp, glyph in list(table.cmap.items()):
            if glyph in mapping:
                table.cmap[cp] = mapping[glyph]
                changed[cp] = (glyph, mapping[glyph])
    return changed


# --------------------------------------------------------------------------- #
# CFF -> glyf conversion (after fontTools Snippets/otf2ttf.py)
# --------------------------------------------------------------------------- #

def _quadratic_glyphs(font_bytes: bytes, names: list[str]) -> dict[str, bytes]:
    """Worker: compiled TrueType data for glyphs `names` of a CFF font."""
    font = TTFont(io.BytesIO(font_bytes))
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")  # context for Glyph.compile (no composites here)
    result: dict[str, bytes] = {}
    for name in names:
        tt_pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyph_set[name].draw(Cu2QuPen(tt_pen, MAX_ERR, reverse_direction=True))
        glyph = tt_pen.glyph()
        glyph.recalcBounds(glyf)
        result[name] = glyph.compile(glyf, recalcBBoxes=False)
    return result


def cff_to_glyf(font: TTFont, jobs: int) -> None:
    """Replace the CFF table of `font` by glyf/loca, in place."""
    assert font.sfntVersion == "OTTO" and "CFF " in font
    buf = io.BytesIO()
    font.save(buf)
    font_bytes = buf.getvalue()
    order = font.getGlyphOrder()
    if jobs > 1:
        chunks = [order[i::jobs] for i in range(jobs)]
        ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ctx.Pool(jobs) as pool:
            parts = pool.starmap(_quadratic_glyphs, [(font_bytes, c) for c in chunks])
    else:
        parts = [_quadratic_glyphs(font_bytes, order)]
    compiled: dict[str, bytes] = {}
    for part in parts:
        compiled.update(part)

    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {name: Glyph(compiled[name]) for name in order}
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]

    # TrueType left side bearings must equal xMin.
    hmtx = font["hmtx"]
    for name in order:
        glyph = glyf[name]
        glyph.expand(glyf)
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))

    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    for attr in ("maxZones",):
        setattr(maxp, attr, 1)
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxPoints", "maxContours",
                 "maxCompositePoints", "maxCompositeContours", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    font["maxp"] = maxp  # point/contour maxima are recomputed on save

    post = font["post"]
    post.formatType = 2.0  # keep the (short, cidNNNNN) glyph names
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


# --------------------------------------------------------------------------- #
# Naming
# --------------------------------------------------------------------------- #

def rename(font: TTFont, family: str, ps_family: str, style: str, version: str) -> None:
    name = font["name"]
    keep = {0, 5, 7, 8, 9, 11, 12, 13, 14}  # copyright, version, trademark, credits, licence
    name.names = [r for r in name.names
                  if r.nameID in keep and r.platformID == 3 and r.langID == 0x409]
    full = family if style == "Regular" else f"{family} {style}"
    ps_name = f"{ps_family}-{style}"
    records = {
        1: family,
        2: style,
        3: f"{version};{ps_name}",
        4: full,
        6: ps_name,
        10: ("Subset of Noto Sans CJK SC converted to TrueType outlines for PDF "
             "report embedding. Modified Version under the SIL Open Font License 1.1."),
    }
    for name_id, text in records.items():
        name.setName(text, name_id, 3, 1, 0x409)
        name.setName(text, name_id, 1, 0, 0)
    font["OS/2"].achVendID = "NONE"


# --------------------------------------------------------------------------- #
# Build
# --------------------------------------------------------------------------- #

@dataclass
class Built:
    key: str
    style: str
    path: Path
    size: int
    glyphs: int
    codepoints: int
    hanzi: int
    seconds: float


def build_face(key: str, style: str, charset_for: Callable[[dict[int, str]], Charset],
               out_dir: Path, jobs: int) -> tuple[Built, Charset]:
    family, ps_family = FAMILIES[key]
    filename, weight = WEIGHTS[style]
    path, index = find_source(filename, style)
    t0 = time.perf_counter()
    font = TTFont(str(path), fontNumber=index)
    head = font["head"]
    created, modified = head.created, head.modified
    version = f"Version {head.fontRevision:.3f}"
    localized = bake_zhs_locl(font)
    cs = charset_for(font.getBestCmap())
    print(f"{family} {style}: from {path.name} face #{index} ({SOURCE_FAMILY} {style}), "
          f"{len(cs.codepoints)} code points")
    kept = "".join(chr(cp) for cp in sorted(localized) if cp in cs.codepoints)
    if kept:
        print(f"  ZHS locl forms baked into the cmap: {kept}")
    for label, chars in cs.unavailable.items():
        print(f"  note: {len(chars)} chars of {label!r} are not in the source font: "
              f"{chars[:40]}")

    options = ft_subset.Options()
    options.layout_features = []
    options.drop_tables = list(options.drop_tables) + DROP_TABLES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(cs.codepoints))
    subsetter.subset(font)
    for tag in DROP_TABLES:
        if tag in font:
            del font[tag]

    cff_to_glyf(font, jobs)
    rename(font, family, ps_family, style, version)
    font["OS/2"].usWeightClass = weight
    font["head"].created, font["head"].modified = created, modified
    font.recalcTimestamp = False

    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{ps_family}-{style}.ttf"
    buf = io.BytesIO()
    font.save(buf, reorderTables=True)
    data = buf.getvalue()
    out.write_bytes(data)

    check = TTFont(io.BytesIO(data))
    cmap = check.getBestCmap()
    lost = cs.codepoints - set(cmap)
    if lost:
        raise SystemExit(f"{out}: {len(lost)} requested code points lost")
    built = Built(
        key=key, style=style, path=out, size=len(data), glyphs=len(check.getGlyphOrder()),
        codepoints=len(cmap), hanzi=sum(1 for cp in cmap if is_hanzi(chr(cp))),
        seconds=time.perf_counter() - t0)
    print(f"  wrote {out.name}: {built.size:,} B, {built.glyphs} glyphs, "
          f"{built.codepoints} code points, {built.hanzi} hanzi ({built.seconds:.1f} s)")
    return built, cs


# --------------------------------------------------------------------------- #
# Licence and README
# --------------------------------------------------------------------------- #

COPYRIGHT_NOTICE = """\
Compliance Sans SC and Compliance Sans SC Ext are Modified Versions of
Noto Sans CJK SC.

Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.
Noto is a trademark of Google Inc.
Noto Sans CJK was developed by Adobe in partnership with Google
(https://github.com/googlefonts/noto-cjk).

Modifications: subset to the characters listed in README.md, outlines
converted from CFF to TrueType, hinting, OpenType layout and vertical
metrics tables removed, families renamed (no Reserved Font Name is used).

This Font Software is licensed under the SIL Open Font License, Version 1.1.
This license is copied below, and is also available with a FAQ at:
https://openfontlicense.org
"""


def ofl_text() -> str | None:
    """The OFL 1.1 text, from Debian's fonts-noto-cjk copyright file."""
    try:
        lines = DEBIAN_COPYRIGHT.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    # The stand-alone "License:" paragraph is the one followed by indented text.
    starts = [i + 1 for i, line in enumerate(lines[:-1])
              if line.strip() == "License: SIL-1.1" and lines[i + 1].startswith(" ")]
    if not starts:
        return None
    body: list[str] = []
    for line in lines[starts[0]:]:
        if not line.startswith(" "):
            break
        body.append("" if line[1:] == "." else line[1:])
    text = "\n".join(body).strip("\n") + "\n"
    return text if "SIL OPEN FONT LICENSE Version 1.1" in text else None


def write_license(out_dir: Path) -> None:
    target = out_dir / "LICENSE-OFL.txt"
    text = ofl_text()
    if text is None:
        if target.exists():
            print(f"{DEBIAN_COPYRIGHT} unavailable: keeping existing {target.name}")
            return
        raise SystemExit(f"cannot find the OFL 1.1 text ({DEBIAN_COPYRIGHT})")
    target.write_text(COPYRIGHT_NOTICE + "\n\n" + text, encoding="utf-8")


def write_readme(out_dir: Path, built: list[Built], charsets: dict[str, Charset],
                 budget_mb: float, skipped_ext: int | None) -> None:
    total = sum(b.size for b in built)
    rows = "\n".join(
        f"| `{b.path.name}` | {FAMILIES[b.key][0]} | {b.size:,} B ({b.size / 1e6:.2f} MB) | "
        f"{b.glyphs:,} | {b.codepoints:,} | {b.hanzi:,} | "
        f"`{hashlib.sha256(b.path.read_bytes()).hexdigest()[:16]}` |"
        for b in built)
    union: dict[str, set[int]] = {}
    for b in built:
        cmap = set(TTFont(str(b.path), lazy=True).getBestCmap())
        union[b.style] = union.get(b.style, set()) | cmap
    both = set.intersection(*union.values())
    hanzi = sum(1 for cp in both if is_hanzi(chr(cp)))
    coverage = []
    for key, cs in charsets.items():
        coverage.append(f"| **{FAMILIES[key][0]}** | |")
        coverage += [f"| {label} | {n:,} |" for label, n in cs.parts.items()]
    unavailable = sorted({f"{label}: {chars}" for cs in charsets.values()
                          for label, chars in cs.unavailable.items()})
    ext_note = ""
    if skipped_ext is not None:
        ext_note = (f"\nThe GBK extension family was **not** bundled: it measured "
                    f"{skipped_ext / 1e6:.2f} MB in total, over the {budget_mb:g} MB budget.\n")
    text = f"""\
# Bundled report fonts

Subsets of **Noto Sans CJK SC** (Adobe / Google, SIL OFL 1.1, see
`LICENSE-OFL.txt`) with **TrueType (glyf) outlines**, built by
`tools/build_cjk_font.py` from Debian's `fonts-noto-cjk` package
(fontTools {fonttools_version}).

| file | family | size | glyphs | code points | hanzi | sha256 (16) |
|---|---|---|---|---|---|---|
{rows}

Total {total:,} bytes ({total / 1e6:.2f} MB).
{ext_note}
**Why:** WeasyPrint 70 subsets every embedded font for every document. Without
libharfbuzz-subset it falls back to fontTools, at a cost proportional to the
font's glyph count: with Debian's 65 535-glyph CFF Noto Sans CJK a one-page
Chinese PDF takes 6-9 s; with the core family here (~8 800 glyphs) it costs
about as much as a Latin page in DejaVu Sans (see `benchmarks/pdf_font.py`).
"Compliance Sans SC Ext" is listed second in the CSS `font-family`, so it is
only subset and embedded when a document contains one of its (rare)
characters. With libharfbuzz-subset installed both are fast, and the bundled
fonts still give ~6x smaller PDFs than the system Noto (TrueType subset vs
CID-keyed CFF) and output that does not depend on the fonts installed on the
host.

**Use:** `compliance.report.fonts.font_face_css()` (the `@font-face` rules,
served through `compliance-asset:` URLs by
`compliance.report.fetcher.SafeURLFetcher`) and
`font-family: compliance.report.fonts.FONT_STACK`. Check text with
`compliance.report.fonts.missing_glyphs(text)`.

**Not included:** OpenType layout (GSUB/GPOS/GDEF/BASE: no Latin kerning, no
`palt`/`halt` punctuation compression, no vertical forms) and vertical metrics
(WeasyPrint has no vertical writing mode), hinting (irrelevant in PDF).

## Build

```sh
python tools/build_cjk_font.py                   # core + GBK ext if <= {budget_mb:g} MB total
python tools/build_cjk_font.py --charset gb2312  # core family only
```

Steps per face: find the "Noto Sans CJK SC" face of
`NotoSansCJK-{{Regular,Bold}}.ttc` by its name table; `fontTools.subset` to the
character set; convert CFF to quadratic TrueType outlines with `Cu2QuPen` (max
error {MAX_ERR:g} unit of 1000/em, outline direction reversed), as fontTools'
`otf2ttf` does; drop {", ".join(f"`{t}`" for t in DROP_TABLES)}; `maxp` 1.0;
the cmap points at the simplified-Chinese `locl` (ZHS) forms, as Noto shows
for `lang="zh-CN"` text (e.g. the full-width em dash);
`post` format 2 (loads faster than format 3); rename. Font files are
deterministic (timestamps copied from the source).

## Coverage

Code points mapped by both weights (union of the families): **{len(both):,}**,
of which **{hanzi:,} hanzi**.

Per family (groups overlap, e.g. GB2312 contains Greek and box drawing):

| group | code points |
|---|---|
{chr(10).join(coverage)}

The GB2312 and GBK sets are derived by decoding every valid two-byte code with
Python's `gb2312` / `gbk` codecs, not from a hard-coded list. "Repository
texts" are the characters found in `rules/*.yaml` and
`src/compliance/**/*.j2|*.yaml` at build time: re-run the script after adding
rule texts with unusual characters, or check them with `missing_glyphs()`.

Requested but absent from Noto Sans CJK SC (so absent here too):
{chr(10).join(f"- {u}" for u in unavailable) or "- none"}
"""
    (out_dir / "README.md").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charset", choices=("auto", "gbk", "gb2312"), default="auto",
                        help="gbk: core + GBK extension family; gb2312: core only; "
                             "auto: gbk unless over --max-total-mb")
    parser.add_argument("--max-total-mb", type=float, default=16.0,
                        help="size budget for all bundled fonts (auto mode)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--jobs", type=int, default=min(4, multiprocessing.cpu_count()))
    args = parser.parse_args(argv)
    jobs = max(1, args.jobs)

    built: list[Built] = []
    charsets: dict[str, Charset] = {}
    core_cps: dict[str, set[int]] = {}
    for style in WEIGHTS:
        b, cs = build_face("core", style, core_charset, args.out_dir, jobs)
        built.append(b)
        charsets.setdefault("core", cs)
        core_cps[style] = cs.codepoints

    skipped_ext: int | None = None
    ext_paths = [args.out_dir / f"{FAMILIES['ext'][1]}-{style}.ttf" for style in WEIGHTS]
    if args.charset in ("auto", "gbk"):
        ext_built = []
        for style in WEIGHTS:
            b, cs = build_face(
                "ext", style, lambda cmap, s=style: ext_charset(cmap, core_cps[s]),
                args.out_dir, jobs)
            ext_built.append(b)
            charsets.setdefault("ext", cs)
        total = sum(b.size for b in built + ext_built)
        if args.charset == "auto" and total > args.max_total_mb * 1e6:
            print(f"total {total / 1e6:.2f} MB > {args.max_total_mb:g} MB: "
                  "dropping the GBK extension family")
            skipped_ext = total
            charsets.pop("ext")
            for path in ext_paths:
                path.unlink(missing_ok=True)
        else:
            built += ext_built
    else:
        for path in ext_paths:
            path.unlink(missing_ok=True)

    total = sum(b.size for b in built)
    print(f"total {total:,} B ({total / 1e6:.2f} MB) in {len(built)} files")
    write_license(args.out_dir)
    write_readme(args.out_dir, built, charsets, args.max_total_mb, skipped_ext)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
