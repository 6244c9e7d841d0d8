"""Upload intake (issue 16, point 5): bounded while streaming, names and signatures checked,
stored under generated names, nothing kept of a refused file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.web.uploads import (
    ACCEPTED,
    Refusal,
    Refused,
    Upload,
    clean_name,
    receive,
)

from .conftest import EXAMPLES

XLSX = (EXAMPLES / "hospital-noncompliant.xlsx").read_bytes()


def chunks(data: bytes, size: int = 1000) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def test_an_accepted_upload_is_kept_under_a_generated_name(tmp_path: Path) -> None:
    done = receive(chunks(XLSX), "自评表 2024.xlsx", tmp_path)
    assert isinstance(done, Upload)
    assert done.original_name == "自评表 2024.xlsx" and done.size == len(XLSX) and done.path.read_bytes() == XLSX
    assert done.path.parent == tmp_path and done.path.suffix == ".xlsx" and "自评表" not in done.path.name
    assert len(done.path.stem) == 32 and done.path.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.iterdir()) == [done.path]
    again = receive(chunks(XLSX), "自评表 2024.xlsx", tmp_path)
    assert isinstance(again, Upload) and again.path != done.path and again.sha256 == done.sha256


def test_limit_plus_one_byte_is_refused_without_reading_on(tmp_path: Path) -> None:
    read = []

    def stream():  # type: ignore[no-untyped-def]
        for chunk in chunks(XLSX, 100):
            read.append(len(chunk))
            yield chunk

    limit = 1000
    done = receive(stream(), "a.xlsx", tmp_path, limit=limit)
    assert done == Refused("a.xlsx", Refusal.TOO_LARGE, limit)
    assert sum(read) == limit + 100  # stopped at the first chunk past the limit
    assert list(tmp_path.iterdir()) == []  # nothing kept
    exact = receive(chunks(XLSX), "a.xlsx", tmp_path, limit=len(XLSX))
    assert isinstance(exact, Upload)  # exactly the limit is taken
    over = receive(chunks(XLSX), "a.xlsx", tmp_path, limit=len(XLSX) - 1)
    assert isinstance(over, Refused) and over.refusal is Refusal.TOO_LARGE


@pytest.mark.parametrize(("name", "refusal"), [
    ("../etc/passwd.xlsx", Refusal.BAD_NAME), ("dir/a.xlsx", Refusal.BAD_NAME), ("C:\\x\\a.xlsx", Refusal.BAD_NAME),
    ("a\x00.xlsx", Refusal.BAD_NAME), ("a\n.xlsx", Refusal.BAD_NAME), ("", Refusal.BAD_NAME), ("..", Refusal.BAD_NAME),
    ("a\u202egpj.xlsx", Refusal.BAD_NAME),  # a right-to-left override hides the real extension
    ("report.pdf", Refusal.BAD_EXTENSION), ("a.xlsx.exe", Refusal.BAD_EXTENSION), ("noextension", Refusal.BAD_EXTENSION),
])
def test_bad_names_and_extensions(tmp_path: Path, name: str, refusal: Refusal) -> None:
    done = receive(chunks(XLSX), name, tmp_path)
    assert isinstance(done, Refused) and done.refusal is refusal
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "data", "accepted"), [
    ("a.xlsx", b"<html>not a workbook</html>", False),
    ("a.xls", XLSX, False),  # a zip package named .xls
    ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, False),  # an OLE file named .xlsx
    ("a.XLSX", XLSX, True),
    ("a.csv", "字段代码,本期数\ntotal_medical_revenue,100\n".encode(), True),
    ("a.csv", "字段代码,本期数\n".encode("gb18030"), True),
    ("a.csv", b"PK\x03\x04\x00\x00binary", False),
    ("a.zip", b"", False),
])
def test_the_signature_must_fit_the_extension(tmp_path: Path, name: str, data: bytes, accepted: bool) -> None:
    done = receive(chunks(data), name, tmp_path)
    assert isinstance(done, Upload) is accepted, done
    if not accepted:
        assert done.refusal in (Refusal.BAD_SIGNATURE, Refusal.EMPTY)  # type: ignore[union-attr]
        assert list(tmp_path.iterdir()) == []


def test_a_zip_of_workbooks_is_taken(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("h1.xlsx", XLSX)
    assert isinstance(receive([buffer.getvalue()], "batch.zip", tmp_path), Upload)


def test_a_failing_stream_leaves_nothing(tmp_path: Path) -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield XLSX[:1000]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        receive(broken(), "a.xlsx", tmp_path)
    assert list(tmp_path.iterdir()) == []


@given(st.text(max_size=300))
def test_clean_names_are_plain_file_names(name: str) -> None:
    kept = clean_name(name)
    if kept is not None:
        assert "/" not in kept and "\\" not in kept and "\x00" not in kept and kept not in (".", "..")
        assert 0 < len(kept) <= 255 and Path(kept).name == kept


def test_every_reader_format_is_accepted() -> None:
    assert ACCEPTED == {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".zip"}
