"""Taking in an uploaded file: bounded while it streams, its name and signature checked, stored
under a generated name.

The portal hands the request body's file part to :func:`receive`, which reads it in chunks and
stops at ``limit + 1`` bytes (nothing is kept of a file that is too big), refuses a name with a
path, a control character or an extension the reader does not take, and a body whose first bytes
do not fit its extension (an .xlsx must be a zip package, an .xls an OLE compound file, a .csv
text).  A file is written with ``O_EXCL | O_NOFOLLOW`` to a hidden part file and, once accepted,
renamed to ``<folder>/<random>.<ext>``
(the folder is the portal's private upload folder, outside anything it serves), fsynced, and
described by a frozen value with its SHA-256; the name the user gave is kept only as text.
Nothing here needs Django.
"""

from __future__ import annotations

import enum
import hashlib
import os
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from compliance.ingest.workbook import MAX_FILE_BYTES, SUPPORTED_SUFFIXES

CHUNK = 64 * 1024
MAX_NAME_CHARACTERS = 255
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
#: What a file of each extension starts with; a .csv is checked as text instead.
SIGNATURES = MappingProxyType({".xlsx": _ZIP, ".xlsm": _ZIP, ".ods": _ZIP, ".zip": _ZIP, ".xls": _OLE})
ACCEPTED = frozenset(SUPPORTED_SUFFIXES | {".zip"})
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class Refusal(enum.StrEnum):
    """Why an upload was not taken (the portal words it)."""

    EMPTY = "upload_empty"
    TOO_LARGE = "upload_too_large"
    BAD_NAME = "upload_bad_name"
    BAD_EXTENSION = "upload_bad_extension"
    BAD_SIGNATURE = "upload_bad_signature"


REFUSAL_MEANING = MappingProxyType({
    Refusal.EMPTY: "the file has no bytes",
    Refusal.TOO_LARGE: "the file is larger than the limit (it was not read past the limit and nothing was kept)",
    Refusal.BAD_NAME: "the file name holds a path, a control character or nothing usable",
    Refusal.BAD_EXTENSION: "the extension is not one the checker reads (.xlsx .xlsm .xls .ods .csv .zip)",
    Refusal.BAD_SIGNATURE: "the file's first bytes do not fit its extension (e.g. an .xlsx that is not a zip package)",
})


@dataclass(frozen=True)
class Upload:
    """An accepted upload: where it is kept, the name the user gave, its size and content hash."""

    path: Path
    original_name: str
    size: int
    sha256: str

    @property
    def suffix(self) -> str:
        return self.path.suffix


@dataclass(frozen=True)
class Refused:
    """An upload that was not taken, with why (and what it was, for the message)."""

    original_name: str
    refusal: Refusal
    limit: int = 0


def clean_name(name: str) -> str | None:
    """The user's file name as kept (NFC, at most 255 characters), or None when it is not a plain file
    name: empty, a path (``/``, ``\\``), ``.`` or ``..``, or holding a control or NUL character."""
    name = unicodedata.normalize("NFC", name or "")
    if not name or name in (".", "..") or "/" in name or "\\" in name or len(name) > MAX_NAME_CHARACTERS:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return None
    return name


def _looks_like(suffix: str, head: bytes) -> bool:
    if suffix == ".csv":
        sample = head[:4096]
        if b"\x00" in sample:
            return False
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # a character cut at the sample's end is fine
                try:
                    sample.decode("gb18030")
                except UnicodeDecodeError:
                    return False
        return True
    return any(head.startswith(signature) for signature in SIGNATURES[suffix])


class Intake:
    """One upload taken in chunk by chunk as the body streams (the push side of :func:`receive`):
    :meth:`write` each chunk until it says stop, then :meth:`finish`; :meth:`abort` on any failure."""

    def __init__(self, name: str, folder: Path, limit: int = MAX_FILE_BYTES) -> None:
        self.limit = limit
        self.kept = clean_name(name)
        self.refused: Refused | None = None
        self.size = 0
        self._digest = hashlib.sha256()
        self._head = b""
        self._fd: int | None = None
        if self.kept is None:
            self.refused = Refused(name[:MAX_NAME_CHARACTERS] if name else "", Refusal.BAD_NAME)
            return
        self.suffix = Path(self.kept).suffix.lower()
        if self.suffix not in ACCEPTED:
            self.refused = Refused(self.kept, Refusal.BAD_EXTENSION)
            return
        stem = secrets.token_hex(16)
        self.target, self.partial = folder / f"{stem}{self.suffix}", folder / f".{stem}.part"  # named once accepted
        self._fd = os.open(self.partial, _FLAGS, 0o600)

    def write(self, chunk: bytes) -> bool:
        """Keep `chunk`; False once the upload is refused (the rest of it need not be read)."""
        if self._fd is None:
            return False
        self.size += len(chunk)
        if self.size > self.limit:
            self._discard(Refusal.TOO_LARGE)
            return False
        if len(self._head) < 8192:
            self._head += chunk[:8192 - len(self._head)]
        self._digest.update(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(self._fd, view):]
        return True

    def finish(self) -> Upload | Refused:
        if self.refused is not None:
            return self.refused
        assert self._fd is not None and self.kept is not None
        refusal = Refusal.EMPTY if self.size == 0 else None if _looks_like(self.suffix, self._head) else \
            Refusal.BAD_SIGNATURE
        if refusal is not None:
            self._discard(refusal)
            assert self.refused is not None
            return self.refused
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None
        os.rename(self.partial, self.target)  # a fresh random name: nothing is there to replace
        return Upload(self.target, self.kept, self.size, self._digest.hexdigest())

    def abort(self) -> None:
        """Leave nothing of an upload that broke off."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self.partial.unlink(missing_ok=True)

    def _discard(self, refusal: Refusal) -> None:
        self.abort()
        assert self.kept is not None
        self.refused = Refused(self.kept, refusal, self.limit)


def receive(chunks: Iterable[bytes], name: str, folder: Path, limit: int = MAX_FILE_BYTES) -> Upload | Refused:
    """Take one uploaded file from `chunks` (the request's stream, read in order) into `folder`."""
    intake = Intake(name, folder, limit)
    try:
        for chunk in chunks:
            if chunk and not intake.write(chunk):
                break
        return intake.finish()
    except BaseException:
        intake.abort()
        raise
