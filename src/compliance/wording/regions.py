"""A region's hospitals as a region rule counted them, worded: which it counted, which it left out
and why, and which it could not decide on."""

from __future__ import annotations

from compliance.results.findings import Counted, Finding
from compliance.wording.catalogue import join, plural, text, vocab_label

MAX_LISTED_HOSPITALS = 15


def _listed(names: list[str], lang: str) -> str:
    listed = join(names[:MAX_LISTED_HOSPITALS], lang)
    if len(names) > MAX_LISTED_HOSPITALS:
        listed += plural("count.more_hospitals", len(names), lang)
    return listed


def _left_out(item: Counted, lang: str) -> str:
    value = vocab_label(item.attribute, item.value, lang) if item.value is not None else ""
    return text("msg.hospitals.left_out_item", lang, name=item.name,
                attribute=text(f"attribute.{item.attribute}", lang), value=value)


def counted_note(f: Finding, lang: str) -> str:
    """'计入 2 家医院；未计入 1 家：某医院（所有制：非公立）。' ('' when none was left out)."""
    left_out = [item for item in f.hospitals if not item.counted and not item.undecided]
    if not left_out:
        return ""
    counted = [item.name for item in f.hospitals if item.counted]
    return text("msg.hospitals.counted", lang, n=len(counted), m=len(left_out),
                counted=_listed(counted, lang) if counted else text("msg.hospitals.none", lang),
                left_out=_listed([_left_out(item, lang) for item in left_out], lang))


def hospital_attribute_missing(f: Finding, lang: str) -> str:
    attributes = join([text(f"attribute.{name}", lang) for name in f.details["attributes"]], lang)
    return text("msg.hospitals.undecided", lang, hospitals=_listed(list(f.details["hospitals"]), lang),
                attributes=attributes)
