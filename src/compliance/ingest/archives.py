"""Zip archives of workbooks: checked like workbooks, then unpacked into a private folder.

Each workbook member becomes a file of its own, known by its path inside the archive
(``batch.zip/2024/a.xlsx``) and its content hash; the archive gets an outcome counting the
workbooks unpacked and naming the members skipped.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from compliance.errors import SubmissionError
from compliance.ingest.reader import FileRead, file_ref, refused
from compliance.ingest.workbook import SUPPORTED_SUFFIXES, check_zip
from compliance.results.findings import Details
from compliance.results.problems import FileOutcome
from compliance.results.status import FileStatus

MAX_ARCHIVE_MEMBERS = 5000

#: A file to read: where it is on disk, and its path as the user gave it.
FileToRead = tuple[Path, str]


def unpack_archives(paths: Sequence[Path], folder: Path) -> tuple[list[FileToRead], list[FileRead]]:
    """Replace .zip archives by their workbook members (unpacked into `folder`); other paths stay
    as they are.  Returns the files to read and the archives' own outcomes (a bad archive is
    refused)."""
    files: list[FileToRead] = []
    archives: list[FileRead] = []
    for index, path in enumerate(paths):
        if path.suffix.lower() != ".zip":
            files.append((path, str(path)))
            continue
        ref = file_ref(path)
        try:
            check_zip(path)
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if len(members) > MAX_ARCHIVE_MEMBERS:
                    raise SubmissionError(path, "archive_too_many_members",
                                          values=Details.of(max_files=MAX_ARCHIVE_MEMBERS, files=len(members)))
                target = folder / f"{index:04d}"
                skipped: list[str] = []
                unpacked: list[FileToRead] = []
                for number, member in enumerate(members):
                    name = PurePosixPath(member.filename)
                    if name.suffix.lower() not in SUPPORTED_SUFFIXES - {".zip"} or name.name.startswith(("~$", ".")):
                        skipped.append(member.filename)
                        continue
                    # Never trust member paths: each member gets a numbered name of its own in the
                    # private folder, so no two members (dup/a.xlsx, dup__a.xlsx) share a file.
                    destination = target / f"{number:05d}{name.suffix.lower()}"
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(archive.read(member))
                    unpacked.append((destination, f"{path}/{member.filename}"))
            if not unpacked:
                raise SubmissionError(path, "archive_without_workbooks", values=Details.of(files=len(members)))
            files.extend(unpacked)
            status = FileStatus.READ_WITH_WARNINGS if skipped else FileStatus.READ
            archives.append(FileRead((), FileOutcome(ref, status, unpacked=len(unpacked), skipped=tuple(skipped))))
        except SubmissionError as exc:
            archives.append(refused(ref, exc.code, exc.place, exc.values))
        except (zipfile.BadZipFile, OSError) as exc:
            archives.append(refused(ref, "archive_unreadable", values=Details.of(detail=type(exc).__name__)))
    return files, archives
