"""Output file names that are safe on Windows, macOS and Linux and never collide within a run.

A subject's documents are named after its code and period (``12230100MB00000010-2024``).  A code
is submitted text: it may hold a slash, a colon, a control character or a device name, it may be
long, and two codes may differ only in what a file system cannot tell apart (``ABC/123`` and
``ABC_123`` once made safe; ``abc`` and ``ABC`` on a case-insensitive disk; the same letters in
composed and decomposed form on macOS).  Such a collision gives each subject of the group a name
of its own, stable from run to run (a short hash of the subject's level, code and period), and a
warning that names them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from compliance.results.identity import Subject

#: Bytes of UTF-8 a subject's code keeps in a file name: with the period, a disambiguating hash
#: and the longest document suffix the name stays far below the 255 bytes (macOS, Linux) or
#: UTF-16 units (Windows) a name may have.
MAX_CODE_BYTES = 80
HASH_CHARS = 8
FALLBACK_STEM = "subject"
_WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"COM{n}" for n in "123456789¹²³"), *(f"LPT{n}" for n in "123456789¹²³")})
_KEPT_PUNCTUATION = frozenset("-_.")
_RUNS = re.compile(r"_{2,}")
_EDGES = "._- "


def safe_component(text: str, max_bytes: int = MAX_CODE_BYTES) -> str:
    """`text` as one file-name component: letters (any script) and digits kept, ``-``, ``_`` and
    ``.`` kept, anything else (separators, reserved and control characters, spaces) made ``_``;
    no leading or trailing dot, dash or space; no Windows device name; at most `max_bytes` of
    UTF-8, cut at a character boundary.  Empty when nothing usable is left."""
    normal = unicodedata.normalize("NFC", text)
    kept = "".join(ch if ch in _KEPT_PUNCTUATION or unicodedata.category(ch)[0] in "LN" else "_" for ch in normal)
    kept = _RUNS.sub("_", kept).strip(_EDGES)
    encoded = kept.encode("utf-8")
    if len(encoded) > max_bytes:
        kept = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(_EDGES)
    if kept.split(".", 1)[0].upper() in _WINDOWS_DEVICES:
        kept = f"_{kept}"
    return kept


def collision_key(name: str) -> str:
    """What a case-insensitive, normalizing file system sees of `name` (Windows, macOS)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def subject_hash(subject: Subject) -> str:
    """A short hash of who the subject is: the same subject gets the same one in every run."""
    identity = f"{subject.level}\0{subject.code}\0{subject.period.label}"
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:HASH_CHARS]


def plain_stem(subject: Subject) -> str:
    code = safe_component(subject.code) or FALLBACK_STEM
    period = safe_component(subject.period.label, 32) or "period"
    return f"{code}-{period}"


@dataclass(frozen=True)
class NameCollision:
    """Subjects whose plain names a file system could not tell apart, and the names they got."""

    plain: str
    subjects: tuple[Subject, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class SubjectStems:
    """A file-name stem per subject (in the order given), unique within the run, and the
    collisions that were resolved to make them so."""

    stems: tuple[str, ...]
    collisions: tuple[NameCollision, ...] = ()


def subject_stems(subjects: Sequence[Subject]) -> SubjectStems:
    """Stems for `subjects`: the plain ``<code>-<period>`` where it is unique in the run (whatever
    the case and Unicode form), else ``<code>-<period>-<hash>`` for every subject sharing it."""
    plain = [plain_stem(subject) for subject in subjects]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, stem in enumerate(plain):
        groups[collision_key(stem)].append(index)
    stems = list(plain)
    collisions = []
    for indices in groups.values():
        if len(indices) < 2:
            continue
        for index in indices:
            stems[index] = f"{plain[index]}-{subject_hash(subjects[index])}"
        collisions.append(NameCollision(plain[indices[0]], tuple(subjects[i] for i in indices),
                                        tuple(stems[i] for i in indices)))
    stems = _distinct(stems)
    return SubjectStems(tuple(stems), tuple(collisions))


def _distinct(stems: list[str]) -> list[str]:
    """Numbered names for what is still equal (the same subject twice, or hashes that meet, which
    no two different subjects should): the second ``-2``, the third ``-3``...  A hashed stem can
    also meet another subject's plain stem (a code that ends in what looks like a hash)."""
    seen: dict[str, int] = {}
    taken = {collision_key(stem) for stem in stems}
    result = []
    for stem in stems:
        key = collision_key(stem)
        count = seen.get(key, 0) + 1
        seen[key] = count
        if count == 1:
            result.append(stem)
            continue
        number = count
        while collision_key(f"{stem}-{number}") in taken:
            number += 1
        taken.add(collision_key(f"{stem}-{number}"))
        result.append(f"{stem}-{number}")
    return result
