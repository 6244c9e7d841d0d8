"""No tenant reads another's data by changing a URL.

Every URL pattern of the portal is listed in PATTERNS with the URLs to try: each is fetched (and
posted to) as two other hospitals and as a supervisor of another jurisdiction, and no answer may
carry the owner's institution code, upload token, file name or audit token.  A pattern added to
compliance.web.urls without being listed here fails the first test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver

from compliance.store import portal as store
from compliance.web import urls
from tests.portal_site import HARBIN_1, login, workbook_bytes

OWNER_FILE = "secret-owner-file.xlsx"
Owned = dict[str, str]
#: name of each URL pattern -> the URLs that could reach the owner's data
PATTERNS: dict[str, Callable[[Owned], list[str]]] = {
    "home": lambda o: ["/"],
    "health": lambda o: ["/healthz"],
    "login": lambda o: ["/login/"],
    "logout": lambda o: ["/logout/"],
    "language": lambda o: ["/language/"],
    "hospital": lambda o: ["/hospital/"],
    "template": lambda o: ["/hospital/template.xlsx"],
    "uploads": lambda o: ["/uploads/"],
    "upload": lambda o: [f"/uploads/{o['upload']}/"],
    "download": lambda o: [f"/uploads/{o['upload']}/{kind}" for kind in ("report", "notice", "workbook", "original")],
    "dashboard": lambda o: ["/supervisor/", f"/supervisor/?period={o['period']}"],
    "institution": lambda o: [f"/supervisor/hospitals/{HARBIN_1}/"],
    "waivers": lambda o: ["/supervisor/waivers/"],
    "audits": lambda o: ["/supervisor/audits/"],
    "audit": lambda o: [f"/supervisor/audits/{o['job']}/"],
    "audit_file": lambda o: [f"/supervisor/audits/{o['job']}/files/{o['job_file']}"],
    "admin/": lambda o: ["/admin/", "/admin/compliance_store/upload/", "/admin/compliance_store/portalevent/"],
}
#: who tries: another Harbin hospital, a Sichuan hospital, the Sichuan supervisor
INTRUDERS = ("h2", "sc1", "sup_sc")


def _names(patterns: list[Any], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found.add(str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.add(pattern.name or str(pattern.pattern))
    return found


def test_every_url_pattern_is_listed() -> None:
    assert _names(urls.urlpatterns) == set(PATTERNS)


@pytest.fixture
def owned(site: Any) -> Owned:
    """What the first Harbin hospital and the Harbin supervisor own: an upload, an audit job with a file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = login(Client(), "h1")
    response = owner.post("/uploads/", {"files": SimpleUploadedFile(OWNER_FILE, workbook_bytes(HARBIN_1))})
    token = response.url.strip("/").split("/")[-1]
    supervisor = store.tenant_of(_user(site, "sup"))
    info = store.upload(supervisor, token, site.config.store_url)
    job = store.create_job(supervisor, "sup", "auto", info.period, site.config.store_url)
    name = f"auto/{info.period}/{HARBIN_1}-{info.period}-inspection-report.pdf"
    (site.audits / job.token / "out" / name).parent.mkdir(parents=True)
    (site.audits / job.token / "out" / name).write_bytes(b"%PDF-1.7 owner-only-bytes")
    store.update_job(job.token, site.config.store_url, state="done", files=[name])
    assert owner.get(f"/uploads/{token}/report").status_code == 200  # the owner reads it
    assert login(Client(), "sup").get(f"/supervisor/audits/{job.token}/files/{name}").status_code == 200
    return {"upload": token, "period": info.period, "job": job.token, "job_file": name}


def _user(site: Any, username: str) -> Any:
    from django.contrib.auth.models import User

    return User.objects.using(site.store_alias).get(username=username)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_no_url_reads_another_tenants_data(site: Any, owned: Owned, intruder: str) -> None:
    client = login(Client(), intruder)
    secrets = [HARBIN_1, owned["upload"], OWNER_FILE, owned["job"], "owner-only-bytes"]
    tried = 0
    for name, make in PATTERNS.items():
        for url in make(owned):
            for method in ("get",) if name == "logout" else ("get", "post"):  # posting /logout/ ends the test
                response = getattr(client, method)(url)
                tried += 1
                body = _body(response)
                if response.status_code == 200 and response.streaming:
                    # a file: only the intruder's own (the template of its own institution)
                    assert name == "template", f"{method.upper()} {url} as {intruder} gave a file"
                # what the URL itself holds comes back in the page's own links (the language switch)
                leaked = [secret for secret in secrets if secret.encode() in body and secret not in url]
                assert not leaked, f"{method.upper()} {url} as {intruder} ({response.status_code}) shows {leaked}"
                if name in ("upload", "download", "audit", "audit_file", "institution"):
                    assert response.status_code in (404, 405), f"{method.upper()} {url} as {intruder}"
                if name == "admin/":
                    assert response.status_code == 302 and "/admin/login/" in response.url
    assert tried == 2 * sum(len(make(owned)) for make in PATTERNS.values()) - 1


def test_not_logged_in_reads_nothing(site: Any, owned: Owned) -> None:
    client = Client()
    for name, make in PATTERNS.items():
        for url in make(owned):
            response = client.get(url)
            body = _body(response)
            assert not any(secret.encode() in body for secret in (HARBIN_1, owned["upload"], OWNER_FILE)
                           if secret not in url), url
            if name not in ("login", "health"):
                assert response.status_code in (302, 404, 405), url
