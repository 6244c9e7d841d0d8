"""A portal on a temporary store for the tests: accounts for two Harbin hospitals, a Sichuan
hospital, a Harbin supervisor, a Sichuan supervisor and an administrator."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
from stdnum.cn import uscc

from compliance.pipeline.shared import SharedPool
from compliance.store import accounts, api
from compliance.store.setup import sqlite_url
from compliance.web.portal import Portal, PortalConfig

ROOT = Path(__file__).resolve().parents[1]
HARBIN_1 = "12230100MB0000101M"  # examples/harbin/hospital-1.xlsx: one rule fails
HARBIN_2 = "12230100MB0000102Q"  # examples/harbin/hospital-2.xlsx: 14 fail, 6 warn
SICHUAN_1 = "12510100MB0000101H"  # examples/audit/inbox/*/hospital-1.xlsx
PASSWORD = "portal-test-secret-1"
USERS = {
    "h1": ("hospital", HARBIN_1, None),
    "h2": ("hospital", HARBIN_2, None),
    "sc1": ("hospital", SICHUAN_1, None),
    "sup": ("supervisor", None, "230100"),
    "sup_sc": ("supervisor", None, "510000"),
    "root": ("admin", None, None),
}
WORKBOOKS = {HARBIN_1: ROOT / "examples" / "harbin" / "hospital-1.xlsx",
             HARBIN_2: ROOT / "examples" / "harbin" / "hospital-2.xlsx",
             SICHUAN_1: ROOT / "examples" / "audit" / "inbox" / "2025Q2" / "hospital-1.xlsx"}


def institution_code(number: int, division: str = "230100") -> str:
    """A valid unified social credit code of a made-up public institution in `division`."""
    body = f"12{division}MB{number:07d}"
    return body + uscc.calc_check_digit(body)


def make_site(folder: Path, pool: SharedPool, url: str | None = None, **options: object) -> Portal:
    url = url or sqlite_url(folder / "store.sqlite3")
    api.migrate(url)
    for username, (role, institution, jurisdiction) in USERS.items():
        accounts.add_user(username, PASSWORD, role, institution, jurisdiction, url=url)
    return Portal(PortalConfig(data=folder / "data", store_url=url, **options), pool=pool)  # type: ignore[arg-type]


@contextmanager
def serving(portal: Portal) -> Iterator[Portal]:
    from django.test.utils import override_settings

    with override_settings(COMPLIANCE_PORTAL=portal, SECRET_KEY="portal-tests-" + "x" * 40):
        yield portal


def login(client: object, username: str, password: str = PASSWORD) -> object:
    client.get("/login/")  # type: ignore[attr-defined]
    token = client.cookies["csrftoken"].value  # type: ignore[attr-defined]
    response = client.post("/login/", {"username": username, "password": password,  # type: ignore[attr-defined]
                                       "csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def workbook_bytes(code: str, *, source: Path | None = None, changes: dict[str, object] | None = None) -> bytes:
    """A hospital workbook for `code`: `source` (default: the example workbook of that code, else Harbin's
    first) with its institution code set and the cells of `changes` ("sheet!A1": value) changed."""
    path = source or WORKBOOKS.get(code, WORKBOOKS[HARBIN_1])
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value) == 18 and cell.value in WORKBOOKS:
                    cell.value = code
    for where, value in (changes or {}).items():
        sheet, ref = where.split("!")
        book[sheet][ref] = value
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def copy_example(code: str, folder: Path) -> Path:
    target = folder / f"{code}.xlsx"
    shutil.copyfile(WORKBOOKS[code], target)
    return target


def live_server(threads: int = 8) -> tuple[Any, str]:
    """The portal Django serves now (see `serving`) on waitress, on a free port, in a thread; (server, base URL).
    Stop it with ``server.close()``."""
    import threading

    import waitress.server
    from django.core.wsgi import get_wsgi_application

    server = waitress.server.create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def number_cell(book: Any) -> tuple[str, str]:
    """(sheet, cell) of the first number in a workbook's data sheets (after the basic information)."""
    for sheet in book.worksheets[1:]:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    return sheet.title, cell.coordinate
    raise AssertionError("no number in the workbook")
