#!/usr/bin/env python3
"""Build the bundled "Compliance Sans SC" report fonts from Noto Sans CJK SC.

Why: WeasyPrint subsets every embedded font with fontTools (when the system has
no libharfbuzz-subset).  Subsetting Debian's 20 MB CFF-flavoured Noto Sans CJK
collection costs ~6 s per document.  A pre-subset TrueType (glyf) font with only
the characters a report can contain is subset in a few tens of milliseconds.

What it does, per weight (Regular, Bold):

1. find the "Noto Sans CJK SC" face in the system .ttc by its name table;
2. subset it (fontTools.subset) to: ASCII, Latin-1, General Punctuation, CJK
   Symbols and Punctuation, Halfwidth/Fullwidth Forms, common math / unit /
   technical symbols, every character of GB2312 (symbols + 6763 hanzi) and, if
   the size budget allows, every character of GBK (20923 hanzi), plus any
   character found in the repository's rules/*.yaml and src/compliance/**/
   *.j2 / *.yaml files;
3. convert the CFF outlines to quadratic TrueType ``glyf`` outlines (cu2qu),
   the same way as fontTools' ``otf2ttf`` snippet, dropping hinting, VORG and
   glyph names (post format 3);
4. rename the family to "Compliance Sans SC" (the upstream font has the
   Reserved Font Name "Source"; "Noto" is a Google trademark), keeping the
   copyright, trademark, designer and licence records;
5. write ``src/compliance/report/fonts/ComplianceSansSC-{Regular,Bold}.ttf``,
   ``LICENSE-OFL.txt`` and ``README.md`` (with the measured coverage counts).

Usage::

    python tools/build_cjk_font.py                 # auto: GBK if it fits the budget
    python tools/build_cjk_font.py --charset gb2312
    python tools/build_cjk_font.py --max-total-mb 16 --jobs 2

The build is deterministic (head timestamps are copied from the source font).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import io
import multiprocessing
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools import version as fonttools_version
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "src" / "compliance" / "report" / "fonts"
FAMILY = "Compliance Sans SC"
PS_FAMILY = "ComplianceSansSC"
SOURCE_FAMILY = "Noto Sans CJK SC"
SOURCE_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/opentype/noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
)
WEIGHTS = {
    # style name -> (source file name, OS/2 weight)
    "Regular": ("NotoSansCJK-Regular.ttc", 400),
    "Bold": ("NotoSansCJK-Bold.ttc", 700),
}
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")

#: cu2qu approximation error, in font units (1000 upem).  1.0 is what
#: fontTools' otf2ttf uses: invisible at any print size.
MAX_ERR = 1.0

# --------------------------------------------------------------------------- #
# Character set
# --------------------------------------------------------------------------- #

#: Whole Unicode blocks kept (only code points the source font maps are kept).
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

#: Individual characters that must be present (pinyin letters from Latin
#: Extended-B / IPA, and a few symbols reports use).  Noto Sans CJK has no
#: ‱ ☐ ☑ ✔ ✗ ✘ (use ✓ / × / √ / □ / ■ instead).
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
    """All GBK two-byte characters (lead 0x81..0xFE, trail 0x40..0xFE minus 0x7F)."""
    trails = [t for t in range(0x40, 0xFF) if t != 0x7F]
    return _decode_dbcs("gbk", range(0x81, 0xFF), trails)


def is_hanzi(char: str) -> bool:
    return unicodedata.name(char, "").startswith(
        ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def repo_text_chars(root: Path) -> set[str]:
    """Characters used in the repository's rule files and report templates."""
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
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                print(f"  warning: cannot read {path}: {exc}", file=sys.stderr)
                continue
            chars.update(text)
    return {c for c in chars
            if unicodedata.category(c)[0] not in "CZ" or c in "\u3000\u00a0"}


@dataclass
class Charset:
    name: str
    codepoints: set[int] = field(default_factory=set)
    parts: dict[str, int] = field(default_factory=dict)


def build_charset(kind: str, source_cmap: dict[int, str]) -> Charset:
    """Requested code points, restricted to what the source font maps."""
    cs = Charset(kind)

    def add(label: str, cps: set[int]) -> None:
        present = {cp for cp in cps if cp in source_cmap}
        missing = sorted(cps - present)
        cs.codepoints |= present
        cs.parts[label] = len(present)
        if missing and label not in BLOCKS:
            shown = "".join(chr(cp) for cp in missing[:40])
            print(f"  note: {len(missing)} chars of {label!r} not in source font: {shown}")

    for label, (lo, hi) in BLOCKS.items():
        add(label, set(range(lo, hi + 1)))
    add("extra symbols", {ord(c) for c in EXTRA_CHARS})
    gb = gb2312_chars()
    add("GB2312 (all)", {ord(c) for c in gb})
    if kind == "gbk":
        add("GBK (all)", {ord(c) for c in gbk_chars()})
    add("repository texts", {ord(c) for c in repo_text_chars(REPO_ROOT)})
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
        for index, font in enumerate(collection.fonts):
            name = font["name"]
            family = name.getDebugName(16) or name.getDebugName(1)
            subfamily = name.getDebugName(17) or name.getDebugName(2)
            if family == SOURCE_FAMILY and subfamily == style:
                collection.close()
                return path, index
        collection.close()
        raise SystemExit(f"{path}: no face named {SOURCE_FAMILY!r} {style!r}")
    raise SystemExit(
        f"{filename} not found in {', '.join(map(str, SOURCE_DIRS))}; "
        "install Debian's fonts-noto-cjk")


# --------------------------------------------------------------------------- #
# CFF -> glyf conversion (after fontTools Snippets/otf2ttf.py)
# --------------------------------------------------------------------------- #

def _quadratic_glyphs(font_bytes: bytes, names: list[str]) -> dict[str, bytes]:
    """Worker: convert `names` of a CFF font to compiled TrueType glyph data."""
    font = TTFont(io.BytesIO(font_bytes))
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")  # only needed as context for Glyph.compile
    result: dict[str, bytes] = {}
    for name in names:
        tt_pen = TTGlyphPen(None)
        # CFF contours are counter-clockwise, TrueType ones clockwise.
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
    chunks = [order[i::jobs] for i in range(jobs)]
    if jobs > 1:
        ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ctx.Pool(jobs) as pool:
            parts = pool.starmap(_quadratic_glyphs, [(font_bytes, c) for c in chunks])
    else:
        parts = [_quadratic_glyphs(font_bytes, order)]
    compiled: dict[str, bytes] = {}
    for part in parts:
        compiled.update(part)

    from fontTools.ttLib.tables._g_l_y_f import Glyph

    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {name: Glyph(compiled[name]) for name in order}
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    if "VORG" in font:  # CFF-only vertical origin table
        del font["VORG"]

    # Left side bearings must equal xMin for TrueType outlines.
    hmtx = font["hmtx"]
    for name in order:
        glyph = glyf[name]
        glyph.expand(glyf)
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
        else:
            hmtx[name] = (hmtx[name][0], 0)

    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = 0
    maxp.maxPoints = maxp.maxContours = 0
    maxp.maxCompositePoints = maxp.maxCompositeContours = 0
    maxp.maxComponentDepth = 0
    font["maxp"] = maxp  # numbers recomputed by maxp.recalc() on save

    post = font["post"]
    post.formatType = 3.0  # no glyph names: CID names are meaningless anyway
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


# --------------------------------------------------------------------------- #
# Naming
# --------------------------------------------------------------------------- #

def rename(font: TTFont, style: str, version: str) -> None:
    name = font["name"]
    keep = {0, 5, 7, 8, 9, 11, 12, 13, 14}
    name.names = [r for r in name.names
                  if r.nameID in keep and r.platformID == 3 and r.langID == 0x409]
    full = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    ps = f"{PS_FAMILY}-{style}"
    records = {
        1: FAMILY,
        2: style,
        3: f"{version};{ps}",
        4: full,
        6: ps,
        10: ("Subset of Noto Sans CJK SC (GB2312/GBK hanzi, CJK punctuation and "
             "symbols) converted to TrueType outlines for PDF report embedding. "
             "Modified Version under the SIL Open Font License 1.1."),
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
    style: str
    path: Path
    size: int
    glyphs: int
    codepoints: int
    hanzi: int
    source: str
    seconds: float


def build_weight(style: str, charset_kind: str, out_dir: Path, jobs: int) -> tuple[Built, Charset]:
    filename, weight = WEIGHTS[style]
    path, index = find_source(filename, style)
    t0 = time.perf_counter()
    print(f"{style}: {path} face #{index}")
    font = TTFont(str(path), fontNumber=index, lazy=False)
    head_created, head_modified = font["head"].created, font["head"].modified
    version = f"Version {font['head'].fontRevision:.3f}"
    cs = build_charset(charset_kind, font.getBestCmap())

    options = ft_subset.Options()
    # 'locl' would pull in the JP/KR/TC glyph variants of every kept hanzi.
    options.layout_features = [f for f in options.layout_features if f != "locl"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables = list(options.drop_tables) + ["VORG", "DSIG"]
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(cs.codepoints))
    subsetter.subset(font)
    print(f"  subset: {len(font.getGlyphOrder())} glyphs, "
          f"{len(cs.codepoints)} code points ({time.perf_counter() - t0:.1f} s)")

    cff_to_glyf(font, jobs)
    rename(font, style, version)
    font["OS/2"].usWeightClass = weight
    font["head"].created, font["head"].modified = head_created, head_modified
    font.recalcTimestamp = False

    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{PS_FAMILY}-{style}.ttf"
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
        style=style, path=out, size=len(data), glyphs=len(check.getGlyphOrder()),
        codepoints=len(cmap), hanzi=sum(1 for cp in cmap if is_hanzi(chr(cp))),
        source=f"{path.name} #{index} ({SOURCE_FAMILY} {style}, {version})",
        seconds=time.perf_counter() - t0)
    print(f"  wrote {out.relative_to(REPO_ROOT)}: {built.size / 1e6:.2f} MB, "
          f"{built.glyphs} glyphs, {built.codepoints} code points, {built.hanzi} hanzi "
          f"({built.seconds:.1f} s)")
    return built, cs


# --------------------------------------------------------------------------- #
# Licence and README
# --------------------------------------------------------------------------- #

COPYRIGHT_NOTICE = """\
Compliance Sans SC is a Modified Version of Noto Sans CJK SC.

Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.
Noto is a trademark of Google Inc.
Noto Sans CJK was developed by Adobe and Google (https://github.com/googlefonts/noto-cjk).

Modifications: subset to the characters listed in README.md, outlines
converted from CFF to TrueType, hinting and glyph names removed, family
renamed to "Compliance Sans SC" (no Reserved Font Name is used).

This Font Software is licensed under the SIL Open Font License, Version 1.1.
This license is copied below, and is also available with a FAQ at:
https://openfontlicense.org
"""


def ofl_text() -> str | None:
    """The OFL 1.1 text, taken from Debian's fonts-noto-cjk copyright file."""
    try:
        lines = DEBIAN_COPYRIGHT.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    # The stand-alone "License:" paragraph is the one followed by indented text.
    starts = [i + 1 for i, line in enumerate(lines[:-1])
              if line.strip() == "License: SIL-1.1" and lines[i + 1].startswith(" ")]
    if not starts:
        return None
    start = starts[0]
    body: list[str] = []
    for line in lines[start:]:
        if not line.startswith(" "):
            break
        line = line[1:]
        body.append("" if line == "." else line)
    text = "\n".join(body).strip("\n")
    return text + "\n" if "SIL OPEN FONT LICENSE Version 1.1" in text else None


def write_license(out_dir: Path) -> None:
    target = out_dir / "LICENSE-OFL.txt"
    text = ofl_text()
    if text is None:
        if target.exists():
            print(f"  {DEBIAN_COPYRIGHT} unavailable; keeping existing {target.name}")
            return
        raise SystemExit(f"cannot find the OFL 1.1 text ({DEBIAN_COPYRIGHT})")
    target.write_text(COPYRIGHT_NOTICE + "\n\n" + text, encoding="utf-8")


def write_readme(out_dir: Path, built: list[Built], cs: Charset, budget_mb: float,
                 gbk_total: int | None) -> None:
    total = sum(b.size for b in built)
    rows = "\n".join(
        f"| `{b.path.name}` | {b.size:,} B ({b.size / 1e6:.2f} MB) | {b.glyphs:,} | "
        f"{b.codepoints:,} | {b.hanzi:,} | {hashlib.sha256(b.path.read_bytes()).hexdigest()[:16]} |"
        for b in built)
    parts = "\n".join(f"| {label} | {count:,} |" for label, count in cs.parts.items())
    gbk_note = ""
    if cs.name != "gbk" and gbk_total is not None:
        gbk_note = (f"\nA GBK build measured {gbk_total / 1e6:.2f} MB for both weights, over "
                    f"the {budget_mb:g} MB budget, so GB2312 was used.\n")
    text = f"""\
# Bundled report fonts: Compliance Sans SC

`ComplianceSansSC-Regular.ttf` (weight 400) and `ComplianceSansSC-Bold.ttf`
(weight 700) are a **subset of Noto Sans CJK SC** (Adobe / Google, SIL OFL 1.1,
see `LICENSE-OFL.txt`) with **TrueType (glyf) outlines**, built by
`tools/build_cjk_font.py` from Debian's `fonts-noto-cjk` package.

They exist for speed: WeasyPrint subsets every embedded font per document, and
with Debian's 20 MB CFF collection that takes ~6 s for a one-page Chinese PDF.
These pre-subset TrueType fonts are subset in a few tens of milliseconds, and
the PDF still only embeds the glyphs a document uses.

Use them through `compliance.report.fonts.font_face_css()` (CSS family
`"{FAMILY}"`) and `compliance.report.fetcher.SafeURLFetcher`; check text with
`compliance.report.fonts.missing_glyphs(text)`.

## Build

```sh
python tools/build_cjk_font.py            # auto: GBK if both weights fit {budget_mb:g} MB
python tools/build_cjk_font.py --charset gb2312
```

Steps: find the "Noto Sans CJK SC" face in `NotoSansCJK-{{Regular,Bold}}.ttc` by
its name table; `fontTools.subset` to the character set below (layout features:
fontTools defaults minus `locl`; no hinting; no glyph names); convert CFF to
quadratic TrueType outlines with `Cu2QuPen` (max error {MAX_ERR:g} unit / 1000 em), as
fontTools' `otf2ttf` does; drop `CFF `, `VORG`, `DSIG`; `maxp` 1.0; `post`
format 3; rename to "{FAMILY}". Output is deterministic (timestamps copied
from the source). Built with fontTools {fonttools_version} on {_dt.date.today().isoformat()}.

## Files

| file | size | glyphs | code points | hanzi | sha256 (16) |
|---|---|---|---|---|---|
{rows}

Total: {total:,} bytes ({total / 1e6:.2f} MB). Character set: **{cs.name.upper()}**.
{gbk_note}
## Coverage (code points present in both weights, per source group)

Groups overlap (e.g. GB2312 contains Greek and box drawing), so they do not sum
to the total.

| group | code points |
|---|---|
{parts}

GB2312 and GBK sets are derived by decoding every valid two-byte code with
Python's `gb2312` / `gbk` codecs, not from a hard-coded list. "Repository
texts" are the characters found in `rules/*.yaml` and
`src/compliance/**/*.j2|*.yaml` when the fonts were built: re-run the script
after adding rule texts with unusual characters, or check them with
`missing_glyphs()` (the tests do).
"""
    (out_dir / "README.md").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charset", choices=("auto", "gbk", "gb2312"), default="auto")
    parser.add_argument("--max-total-mb", type=float, default=16.0,
                        help="size budget for both weights together (auto mode)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--jobs", type=int, default=min(4, multiprocessing.cpu_count()))
    args = parser.parse_args(argv)

    kind = "gbk" if args.charset in ("auto", "gbk") else "gb2312"
    gbk_total: int | None = None
    while True:
        results = [build_weight(style, kind, args.out_dir, max(1, args.jobs))
                   for style in WEIGHTS]
        built = [b for b, _ in results]
        total = sum(b.size for b in built)
        print(f"{kind.upper()}: total {total / 1e6:.2f} MB")
        if args.charset == "auto" and kind == "gbk" and total > args.max_total_mb * 1e6:
            gbk_total = total
            print(f"over the {args.max_total_mb:g} MB budget: rebuilding with GB2312")
            kind = "gb2312"
            continue
        break

    # Coverage table: code points mapped by both weights, per group.
    both = set.intersection(*(set(TTFont(str(b.path), lazy=True).getBestCmap()) for b in built))
    cs = results[0][1]
    cs.parts = {label: n for label, n in cs.parts.items()}
    cs.parts["total (both weights)"] = len(both)
    cs.parts["of which hanzi"] = sum(1 for cp in both if is_hanzi(chr(cp)))
    write_license(args.out_dir)
    write_readme(args.out_dir, built, cs, args.max_total_mb, gbk_total)
    print("done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
