"""Twenty hospitals upload at once to a portal served by waitress: every upload is stored once,
each with the findings a check of that very file gives."""

from __future__ import annotations

import io
import json
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import urllib3

from compliance.pipeline.check import get_profile, load_default_catalog, run_check
from compliance.store import accounts
from compliance.store import portal as store
from tests.portal_site import (
    HARBIN_1,
    PASSWORD,
    ROOT,
    institution_code,
    live_server,
    make_site,
    number_cell,
    serving,
    workbook_bytes,
)

COUNT = 20


class Browser:
    """A client with cookies, over one connection pool (urllib3)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = urllib3.PoolManager()
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs: Any) -> urllib3.BaseHTTPResponse:
        headers = kwargs.pop("headers", {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, self.base + path, headers=headers, redirect=False, **kwargs)
        for header in response.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def login(self, username: str) -> None:
        self.request("GET", "/login/")
        answer = self.request("POST", "/login/", fields={"username": username, "password": PASSWORD,
                                                         "csrfmiddlewaretoken": self.cookies["csrftoken"]},
                              encode_multipart=False, headers={"Referer": self.base + "/login/"})
        assert answer.status == 302, answer.data[:300]

    def upload(self, name: str, data: bytes) -> urllib3.BaseHTTPResponse:
        return self.request("POST", "/uploads/", fields={"csrfmiddlewaretoken": self.cookies["csrftoken"],
                                                         "files": (name, data, "application/octet-stream")},
                            headers={"Referer": self.base + "/hospital/"})


def test_twenty_uploads_at_once_are_each_stored_once_with_their_own_findings(tmp_path: Path,
                                                                            shared_pool: Any) -> None:
    portal = make_site(tmp_path, shared_pool)
    codes = [institution_code(900 + i) for i in range(COUNT)]
    for i, code in enumerate(codes):
        accounts.add_user(f"load{i}", PASSWORD, "hospital", code, url=portal.config.store_url)
    sheet, ref = number_cell(openpyxl.load_workbook(io.BytesIO(workbook_bytes(HARBIN_1))))
    files = {code: workbook_bytes(code, changes={f"{sheet}!{ref}": 10 * i}) for i, code in enumerate(codes)}
    answers: dict[str, Any] = {}
    with serving(portal):
        server, base = live_server()
        try:
            start = threading.Barrier(COUNT)

            def send(i: int) -> None:
                browser = Browser(base)
                browser.login(f"load{i}")
                start.wait()
                answers[codes[i]] = browser.upload(f"自评-{i}.xlsx", files[codes[i]])

            threads = [threading.Thread(target=send, args=(i,)) for i in range(COUNT)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(600)
        finally:
            server.close()
    assert sorted(answers) == sorted(codes)
    assert all(answer.status == 302 for answer in answers.values()), [a.data[:200] for a in answers.values()]
    admin = accounts.authenticate("root", PASSWORD, url=portal.config.store_url)
    stored = store.uploads(admin, url=portal.config.store_url)
    assert Counter(row.institution_code for row in stored) == Counter(codes)  # each once
    assert all(row.state == "checked" and row.current for row in stored)
    catalog = load_default_catalog(ROOT)
    profile = get_profile(catalog, portal.config.profile)
    (tmp_path / "direct").mkdir()
    for row in stored:
        direct_file = tmp_path / "direct" / f"{row.institution_code}.xlsx"
        direct_file.write_bytes(files[row.institution_code])
        direct = run_check(catalog, profile, [direct_file], workers=0)
        expected = {(f.rule_id, f.status.value, json.dumps(f.observed.value if f.observed else None, default=str))
                    for f in direct.findings}
        shown = json.loads((portal.reports / row.token / "result.en.json").read_text(encoding="utf-8"))
        got = {(f["rule_id"], f["status"], json.dumps(f["observed"], default=str)) for f in shown["findings"]}
        assert got == expected, row.institution_code
        assert {f["subject_id"] for f in shown["findings"]} == {row.institution_code}
        assert re.fullmatch(r"/uploads/[\w-]+/", answers[row.institution_code].headers["Location"])
