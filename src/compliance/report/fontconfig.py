"""The bundled fonts handed to Fontconfig where they lie, with no copy in a temporary folder.

WeasyPrint's own ``FontConfiguration.add_font_face`` writes each ``@font-face`` font it fetches
into a ``weasyprint-*`` folder under ``TMPDIR`` (14 MiB for the bundled fonts) and removes it
only when the configuration is garbage-collected, which a worker process ending never waits
for: every run left its copies behind.  The bundled fonts are files of this package already, so
:class:`BundledFontConfiguration` registers those files with the same Fontconfig rules WeasyPrint
writes (family prepended, slant and weight assigned).  It relies on WeasyPrint 70's internals,
as :mod:`compliance.report.render` does (pyproject pins that version; the PDF tests cover it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import (
    FONTCONFIG_STYLE,
    FONTCONFIG_WEIGHT,
    PREFERRED_ENCODING,
    FontConfiguration,
)

from compliance.report.fetcher import ASSET_SCHEME, FetchRefused, asset_path

log = logging.getLogger(__name__)


def _bundled_file(rule_descriptors: Any) -> Path | None:
    for font_type, url in rule_descriptors.get("src", ()):
        if font_type == "external" and isinstance(url, str) and url.startswith(f"{ASSET_SCHEME}:"):
            try:
                return asset_path(url)
            except FetchRefused as refused:
                log.warning("%s", refused)
    return None


def _fontconfig_rules(path: Path, rule_descriptors: Any) -> bytes:
    """What WeasyPrint 70 tells Fontconfig about a font file of an ``@font-face`` rule."""
    root = Element("fontconfig")
    match = SubElement(root, "match", target="scan")
    test = SubElement(match, "test", name="file", compare="eq")
    SubElement(test, "string").text = path.as_posix()
    edit = SubElement(match, "edit", name="family", mode="prepend")
    SubElement(edit, "string").text = rule_descriptors["font_family"]
    if "font_style" in rule_descriptors:
        edit = SubElement(match, "edit", name="slant", mode="assign_replace")
        SubElement(edit, "const").text = FONTCONFIG_STYLE[rule_descriptors["font_style"]]
    if "font_weight" in rule_descriptors:
        edit = SubElement(match, "edit", name="weight", mode="assign_replace")
        SubElement(edit, "int").text = str(FONTCONFIG_WEIGHT[rule_descriptors["font_weight"]])
    header = b'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
    return b"\n".join((header, tostring(root, encoding="utf-8")))


class BundledFontConfiguration(FontConfiguration):  # type: ignore[misc]
    """A FontConfiguration that registers bundled fonts in place and refuses any other font
    (the stylesheets name only bundled fonts; the fetcher serves nothing else)."""

    def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> Any:
        path = _bundled_file(rule_descriptors)
        if path is None:
            log.warning("font-face %r is not a bundled font; not loaded", rule_descriptors.get("font_family"))
            return None
        fontconfig.FcConfigParseAndLoadFromMemory(self._config, _fontconfig_rules(path, rule_descriptors), True)
        if fontconfig.FcConfigAppFontAddFile(self._config, str(path).encode(PREFERRED_ENCODING)):
            return pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", self.font_map))
        log.warning("Fontconfig could not load the bundled font %s", path)
        return None
