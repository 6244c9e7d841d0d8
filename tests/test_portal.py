"""The portal through Django's test client: logging in, the hospital's upload-to-report flow, the
supervisor's dashboard, waivers and audits, upload limits, security headers and the access log."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client

from compliance.store import portal as store
from compliance.store.accounts import authenticate
from tests.portal_site import (
    HARBIN_1,
    HARBIN_2,
    PASSWORD,
    SICHUAN_1,
    login,
    number_cell,
    workbook_bytes,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client: Client, *files: tuple[str, bytes]) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/uploads/", {"files": [SimpleUploadedFile(name, data, XLSX) for name, data in files]})


def events(site: Any) -> list[tuple[str, str, str]]:
    tenant = authenticate("root", PASSWORD, url=site.config.store_url)
    assert tenant is not None
    return [(e.username, e.action, e.outcome) for e in store.events(tenant, url=site.config.store_url)]


def stored_files(site: Any) -> list[Path]:
    return sorted(path for path in site.uploads.rglob("*") if path.is_file())


def test_the_login_page_is_chinese_and_sets_strict_cookies(site: Any) -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    client = Client()
    answer = client.post("/login/", {"username": "h1", "password": PASSWORD})
    cookie = answer.cookies["compliance_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.get("/").url == "/hospital/"


def test_a_page_asks_for_a_login_first(site: Any) -> None:
    response = Client().get("/hospital/")
    assert response.status_code == 302 and response.url.startswith("/login/?next=/hospital/")


def test_failed_logins_are_logged_and_then_locked_out(site: Any) -> None:
    client = Client()
    for _ in range(4):
        answer = client.post("/login/", {"username": "h1", "password": "wrong-password-x"})
        assert answer.status_code == 200 and "不正确" in answer.content.decode()
    locked = client.post("/login/", {"username": "h1", "password": "wrong-password-x"})
    assert locked.status_code == 429 and "锁定" in locked.content.decode()
    # the right password does not open a locked account from that address either
    assert client.post("/login/", {"username": "h1", "password": PASSWORD}).status_code == 429
    assert ("h1", "login", "refused") in events(site)


def test_an_operator_unlocks_a_locked_out_user(site: Any, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`compliance users unlock` clears the failed logins: the user logs in at once, not after the
    lockout's hours; an unknown user is told so."""
    from compliance.cli.main import main

    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "h1", "password": "wrong-password-x"})
    assert client.post("/login/", {"username": "h1", "password": PASSWORD}).status_code == 429
    monkeypatch.setenv("DATABASE_URL", site.config.store_url)
    unlocked = runner.invoke(main, ["users", "unlock", "h1"])
    assert unlocked.exit_code == 0 and "用户“h1”已解除锁定" in unlocked.stdout
    assert int(re.search(r"清除了 (\d+) 次", unlocked.stdout)[1]) >= 5
    login(client, "h1")
    unknown = runner.invoke(main, ["users", "unlock", "nobody"])
    assert unknown.exit_code == 2 and "没有用户“nobody”" in unknown.stderr


def test_the_template_carries_the_institution_code(site: Any) -> None:
    client = login(Client(), "h1")
    response = client.get("/hospital/template.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert HARBIN_1 in values


def test_upload_shows_findings_problems_and_reports(site: Any) -> None:
    client = login(Client(), "h2")
    response = upload(client, ("本院自评.xlsx", workbook_bytes(HARBIN_2)))
    assert response.status_code == 302
    page = client.get(response.url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "不达标" in text and "整改建议" in text and "依据" in text
    token = response.url.strip("/").split("/")[-1]
    for kind, start in (("report", b"%PDF"), ("notice", b"%PDF"), ("workbook", b"PK"), ("original", b"PK")):
        answer = client.get(f"/uploads/{token}/{kind}")
        assert answer.status_code == 200, kind
        assert b"".join(answer.streaming_content).startswith(start)
    info = store.uploads(store.tenant_of(_user("h2", site)), url=site.config.store_url)[0]
    assert info.state == "checked" and info.worst == "fail" and info.counts["fail"] == 14
    assert [e for e in events(site) if e[1] == "upload"] == [("h2", "upload", "ok")]
    assert ("h2", "download", "ok") in events(site)


def _user(username: str, site: Any) -> Any:
    from django.contrib.auth.models import User

    return User.objects.using(site.store_alias).get(username=username)


def test_a_data_problem_is_shown_with_its_cell(site: Any) -> None:
    client = login(Client(), "h1")
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(HARBIN_1)))
    sheet, ref = number_cell(book)
    response = upload(client, ("h1.xlsx", workbook_bytes(HARBIN_1, changes={f"{sheet}!{ref}": "很多"})))
    text = client.get(response.url).content.decode()
    assert "数据问题" in text and ref in text


def test_another_institutions_workbook_is_refused(site: Any) -> None:
    client = login(Client(), "h1")
    response = upload(client, ("other.xlsx", workbook_bytes(HARBIN_2)))
    text = client.get(response.url).content.decode()
    assert HARBIN_2 in text and "不符" in text
    info = store.uploads(store.tenant_of(_user("h1", site)), url=site.config.store_url)[0]
    assert info.state == "refused" and info.reason == "upload_other_institution"
    assert not any(row.current for row in store.uploads(store.tenant_of(_user("h1", site)),
                                                        url=site.config.store_url))


def test_a_new_upload_supersedes_the_old_one_and_both_stay(site: Any) -> None:
    client = login(Client(), "h1")
    first = upload(client, ("first.xlsx", workbook_bytes(HARBIN_1))).url.strip("/").split("/")[-1]
    second = upload(client, ("second.xlsx", workbook_bytes(HARBIN_1, changes={}))).url.strip("/").split("/")[-1]
    rows = {row.token: row for row in store.uploads(store.tenant_of(_user("h1", site)), url=site.config.store_url)}
    assert rows[first].superseded_by == second and rows[second].current
    assert "已被取代" in client.get("/hospital/").content.decode()


@pytest.mark.parametrize(("name", "data", "code"), [
    ("big.xlsx", b"PK\x03\x04" + b"x" * (64 * 1024), "upload_too_large"),
    ("notes.txt", b"hello", "upload_bad_extension"),
    ("fake.xlsx", b"this is not a zip package", "upload_bad_signature"),
    ("empty.xlsx", b"", "upload_empty"),
])
def test_uploads_outside_the_limits_are_refused_and_nothing_is_kept(tmp_path: Path, shared_pool: Any, name: str,
                                                                    data: bytes, code: str) -> None:
    from tests.portal_site import make_site, serving

    portal = make_site(tmp_path, shared_pool, max_upload=64 * 1024)
    with serving(portal):
        client = login(Client(), "h1")
        response = _raw_upload(client, name, data)
        assert response.status_code == 400
        assert code in [e.details.get("reason") for e in _events(portal)]
        assert stored_files(portal) == []
        assert not list(portal.uploads.glob(".*"))


@pytest.mark.parametrize(("name", "kept"), [("a\x00b.xlsx", "ab.xlsx"), ("../../etc/x.xlsx", "x.xlsx"),
                                           ("..\\..\\x.xlsx", "x.xlsx"), ("\u202egnp.xlsx", "gnp.xlsx")])
def test_a_path_or_null_byte_in_the_name_never_reaches_the_disk(site: Any, name: str, kept: str) -> None:
    """Django's multipart parser keeps a name's last part and drops unprintable characters before the
    intake sees it; the intake would refuse what is left if it still held a path or control character."""
    client = login(Client(), "h1")
    response = _raw_upload(client, name, workbook_bytes(HARBIN_1))
    assert response.status_code == 302
    [stored] = stored_files(site)
    assert stored.name == kept and stored.parent.parent == site.uploads
    assert store.uploads(store.tenant_of(_user("h1", site)), url=site.config.store_url)[0].original_name == kept


def test_exactly_the_limit_is_taken(tmp_path: Path, shared_pool: Any) -> None:
    from tests.portal_site import make_site, serving

    data = workbook_bytes(HARBIN_1)
    portal = make_site(tmp_path, shared_pool, max_upload=len(data))
    with serving(portal):
        client = login(Client(), "h1")
        assert _raw_upload(client, "h1.xlsx", data).status_code == 302
        over = make_site(tmp_path / "over", shared_pool, max_upload=len(data) - 1)
    with serving(over):
        client = login(Client(), "h1")
        assert _raw_upload(client, "h1.xlsx", data).status_code == 400


def _events(portal: Any) -> list[Any]:
    tenant = authenticate("root", PASSWORD, url=portal.config.store_url)
    return list(store.events(tenant, url=portal.config.store_url))


def _raw_upload(client: Client, name: str, data: bytes) -> Any:
    """A multipart body written by hand, so that any file name goes through as given."""
    boundary = "----portal-test-boundary"
    token = client.get("/hospital/").cookies.get("csrftoken") or client.cookies["csrftoken"]
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n"
            f"{token.value}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: {XLSX}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.generic("POST", "/uploads/", body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_form_without_its_csrf_token_is_refused(site: Any) -> None:
    client = login(Client(enforce_csrf_checks=True), "h1")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/uploads/", {"files": SimpleUploadedFile("h1.xlsx", workbook_bytes(HARBIN_1), XLSX)})
    assert response.status_code == 403 and "安全令牌" in response.content.decode()
    assert stored_files(site) == []
    assert client.post("/supervisor/waivers/", {}).status_code in (403, 404)


def test_an_internal_error_shows_a_reference_and_no_trace(site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail of the server")

    monkeypatch.setattr(store, "uploads", broken)
    client = login(Client(raise_request_exception=False), "h1")
    response = client.get("/hospital/")
    text = response.content.decode()
    assert response.status_code == 500 and "编号" in text
    assert "secret detail" not in text and "Traceback" not in text


def test_the_supervisor_sees_the_jurisdiction_and_drills_down(site: Any) -> None:
    upload(login(Client(), "h1"), ("h1.xlsx", workbook_bytes(HARBIN_1)))
    upload(login(Client(), "sc1"), ("sc1.xlsx", workbook_bytes(SICHUAN_1)))
    client = login(Client(), "sup")
    assert client.get("/").url == "/supervisor/"
    page = client.get("/supervisor/").content.decode()
    assert HARBIN_1 in page and SICHUAN_1 not in page
    assert HARBIN_2 in page  # has an account but sent nothing: listed as not submitted
    assert "差距最大的不达标项" in page
    largest = store.dashboard(store.tenant_of(_user("sup", site)), url=site.config.store_url).gaps[0]
    assert largest.institution_code == HARBIN_1 and largest.rule_id in page  # worded from the upload's result
    detail = client.get(f"/supervisor/hospitals/{HARBIN_1}/")
    assert detail.status_code == 200 and "h1.xlsx" in detail.content.decode()
    assert client.get(f"/supervisor/hospitals/{SICHUAN_1}/").status_code == 404
    filtered = client.get("/supervisor/", {"grade": "no such grade"}).content.decode()
    assert f"/supervisor/hospitals/{HARBIN_1}/" not in filtered


def test_a_granted_waiver_applies_to_the_next_upload(site: Any) -> None:
    hospital = login(Client(), "h1")
    first = upload(hospital, ("h1.xlsx", workbook_bytes(HARBIN_1)))
    failing = _failing_rule(site, "h1")
    supervisor = login(Client(), "sup")
    answer = supervisor.post("/supervisor/waivers/", {"rule": failing, "subject": HARBIN_1, "period": "",
                                                      "justification": "新院区建设期间", "expires": "2099-12-31"})
    assert answer.status_code == 302, answer.content.decode()[:400]
    assert failing in supervisor.get("/supervisor/waivers/").content.decode()
    assert "approver: sup (230100)" in site.waiver_file.read_text(encoding="utf-8")
    refused = supervisor.post("/supervisor/waivers/", {"rule": failing, "subject": SICHUAN_1, "period": "",
                                                       "justification": "x", "expires": "2099-12-31"})
    assert refused.status_code == 400
    page = supervisor.get("/supervisor/waivers/").content.decode()
    assert "harbin-2017." in page and "sichuan-14fyp." not in page  # the rules of the supervisor's province
    sichuan = login(Client(), "sup_sc").post("/supervisor/waivers/", {
        "rule": failing, "subject": SICHUAN_1, "period": "", "justification": "x", "expires": "2099-12-31"})
    assert sichuan.status_code == 400 and "不属于本辖区" in sichuan.content.decode()
    upload(hospital, ("h1-again.xlsx", workbook_bytes(HARBIN_1)))
    latest = store.uploads(store.tenant_of(_user("h1", site)), url=site.config.store_url)[0]
    assert latest.counts.get("waived") == 1 and "fail" not in latest.counts
    assert first.status_code == 302
    assert ("sup", "waiver", "ok") in events(site)


def _failing_rule(site: Any, username: str) -> str:
    import json

    latest = store.uploads(store.tenant_of(_user(username, site)), url=site.config.store_url)[0]
    result = json.loads((site.reports / latest.token / "result.zh.json").read_text(encoding="utf-8"))
    return next(f["rule_id"] for f in result["findings"] if f["status"] == "fail")


def test_an_audit_runs_in_the_background_and_its_reports_download(site: Any) -> None:
    upload(login(Client(), "h1"), ("h1.xlsx", workbook_bytes(HARBIN_1)))
    upload(login(Client(), "h2"), ("h2.xlsx", workbook_bytes(HARBIN_2)))
    client = login(Client(), "sup")
    page = client.get("/supervisor/audits/").content.decode()
    period = store.dashboard(store.tenant_of(_user("sup", site)), url=site.config.store_url).period
    assert period in page
    started = client.post("/supervisor/audits/", {"period": period, "profile": "auto"})
    assert started.status_code == 302
    token = started.url.strip("/").split("/")[-1]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = store.job(store.tenant_of(_user("sup", site)), token, url=site.config.store_url)
        if job.state in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job.state == "done", job.message
    assert any(name.endswith("gap-report.xlsx") for name in job.files)
    pdfs = [name for name in job.files if name.endswith(".pdf")]
    assert len(pdfs) == 4  # a report and a notice per hospital
    answer = client.get(f"/supervisor/audits/{token}/files/{pdfs[0]}")
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    assert "已完成" in client.get(f"/supervisor/audits/{token}/").content.decode()
    other = login(Client(), "sup_sc")
    assert other.get(f"/supervisor/audits/{token}/").status_code == 404


def _finished(site: Any, username: str, token: str) -> Any:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = store.job(store.tenant_of(_user(username, site)), token, url=site.config.store_url)
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError("the audit did not finish")


def test_a_region_workbook_gives_the_audit_its_region_report(site: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.portal_site import ROOT

    upload(login(Client(), "sc1"), ("sc1.xlsx", workbook_bytes(SICHUAN_1)))
    client = login(Client(), "sup_sc")
    region = (ROOT / "examples" / "audit" / "inbox" / "2025Q2" / "region.xlsx").read_bytes()
    started = client.post("/supervisor/audits/", {"period": "2025Q2", "profile": "sichuan-province",
                                                  "region": SimpleUploadedFile("四川省.xlsx", region, XLSX)})
    assert started.status_code == 302, started.content.decode()[:300]
    job = _finished(site, "sup_sc", started.url.strip("/").split("/")[-1])
    assert job.state == "done", job.message
    assert any(name.endswith("510000-2025Q2-inspection-report.pdf") for name in job.files), job.files
    assert any(SICHUAN_1 in name for name in job.files)


def test_a_region_workbook_of_another_jurisdiction_fails_the_audit(site: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.portal_site import ROOT

    upload(login(Client(), "h1"), ("h1.xlsx", workbook_bytes(HARBIN_1)))
    client = login(Client(), "sup")
    period = store.dashboard(store.tenant_of(_user("sup", site)), url=site.config.store_url).period
    region = (ROOT / "examples" / "audit" / "inbox" / "2025Q2" / "region.xlsx").read_bytes()
    started = client.post("/supervisor/audits/", {"period": period, "profile": "auto",
                                                  "region": SimpleUploadedFile("r.xlsx", region, XLSX)})
    job = _finished(site, "sup", started.url.strip("/").split("/")[-1])
    assert job.state == "failed" and "510000" in job.message and job.files == ()
    assert "510000" in client.get(started.url).content.decode()


def test_administrators_have_the_django_admin(site: Any) -> None:
    client = login(Client(), "root")
    assert client.get("/").url == "/admin/"
    assert client.get("/admin/").status_code == 200
    users = client.get("/admin/auth/user/").content.decode()
    assert "h1" in users and "sup_sc" in users
    log = client.get("/admin/compliance_store/portalevent/").content.decode()
    assert "login" in log
    assert client.get("/admin/compliance_store/portalevent/add/").status_code == 403  # the log is read-only
    assert login(Client(), "h1").get("/admin/").status_code == 302


def test_several_files_in_one_form_are_each_checked(site: Any) -> None:
    client = login(Client(), "h1")
    response = upload(client, ("mine.xlsx", workbook_bytes(HARBIN_1)), ("not-mine.xlsx", workbook_bytes(HARBIN_2)),
                      ("notes.txt", b"hello"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "mine.xlsx" in text and "not-mine.xlsx" in text and "不支持此文件类型" in text
    states = sorted(row.state for row in store.uploads(store.tenant_of(_user("h1", site)), url=site.config.store_url))
    assert states == ["checked", "refused"]


def test_a_new_portal_sweeps_what_a_stopped_one_left(tmp_path: Path, shared_pool: Any) -> None:
    from compliance.web.portal import Portal
    from tests.portal_site import make_site

    portal = make_site(tmp_path, shared_pool)
    kept = portal.uploads / "token" / "h1.xlsx"
    kept.parent.mkdir()
    kept.write_bytes(b"PK")
    for orphan in (".abc.part", "0123abcd.xlsx"):
        (portal.uploads / orphan).write_bytes(b"half")
    portal.release()  # the server stopped
    Portal(portal.config, pool=shared_pool).release()
    assert [p.name for p in portal.uploads.rglob("*") if p.is_file()] == ["h1.xlsx"]


def test_a_restarted_portal_removes_what_a_stopped_server_left(site: Any) -> None:
    """A server killed mid-check leaves an upload's folders with no record, and its audit jobs
    queued or running: the next start removes the folders (once older than any check) and fails the
    jobs, saying why; what a record owns, and a folder still fresh, stay."""
    import os

    from compliance.errors import ConfigError
    from compliance.store.accounts import AccountInfo
    from compliance.web.portal import UNRECORDED_AFTER_SECONDS, Portal

    client = login(Client(), "h1")
    kept = upload(client, ("本院自评.xlsx", workbook_bytes(HARBIN_1))).url.strip("/").split("/")[-1]
    stale = time.time() - UNRECORDED_AFTER_SECONDS - 60
    left = [site.uploads / ("a" * 24), site.reports / ("a" * 24)]
    for folder in left:
        folder.mkdir()
        (folder / "本院自评.xlsx").write_bytes(b"PK")
        os.utime(folder, (stale, stale))
    fresh = site.uploads / ("b" * 24)
    fresh.mkdir()
    supervisor = store.tenant_of(_user("sup", site))
    assert isinstance(supervisor, AccountInfo)
    running = store.create_job(supervisor, "sup", "harbin-city", "2024", url=site.config.store_url)
    store.update_job(running.token, url=site.config.store_url, state="running")
    (site.audits / running.token / "inbox").mkdir(parents=True)

    with pytest.raises(ConfigError) as in_use:  # not while a server serves the folder
        Portal(site.config, pool=site.pool)
    assert in_use.value.code == "portal_data_in_use" and in_use.value.values["data"] == str(site.config.data)
    assert (site.uploads / ("a" * 24)).is_dir()  # nothing was swept
    site.release()  # the server stopped
    restarted = Portal(site.config, pool=site.pool)

    assert not any(folder.exists() for folder in left) and fresh.is_dir()
    assert (restarted.uploads / kept).is_dir() and (restarted.reports / kept).is_dir()
    failed = store.job(supervisor, running.token, url=site.config.store_url)
    assert failed.state == "failed" and "服务器在本次审核完成前停止" in failed.message and failed.finished
    assert not (site.audits / running.token).exists()
    restarted.release()


def test_a_portal_lock_planted_as_a_symlink_is_refused(tmp_path: Path, shared_pool: Any) -> None:
    """The data folder's lock file is never opened through a symbolic link someone planted."""
    from compliance.errors import OutputError
    from compliance.web.portal import Portal
    from tests.portal_site import make_site

    portal = make_site(tmp_path, shared_pool)
    portal.release()
    target = tmp_path / "elsewhere"
    target.write_text("kept\n")
    (portal.config.data / "portal.lock").unlink()
    (portal.config.data / "portal.lock").symlink_to(target)
    with pytest.raises(OutputError) as refused:
        Portal(portal.config, pool=shared_pool)
    assert refused.value.code == "output_is_symlink" and target.read_text() == "kept\n"
