"""The portal on PostgreSQL (``DATABASE_URL=postgres://…``): a database of the test's own on the
server at 127.0.0.1:5432, dropped after; skipped, saying why, where no server answers."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from compliance.store import portal as store
from tests.portal_site import HARBIN_2, login, make_site, serving, workbook_bytes
from tests.test_store import postgres_answers

ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    reason = postgres_answers()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"portal_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        yield url
    finally:
        from django.db import connections

        from compliance.store.setup import alias

        connections[alias(url)].close()
        with psycopg.connect(ADMIN, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_upload_dashboard_and_tenancy_on_postgres(tmp_path: Path, shared_pool: Any, postgres_url: str) -> None:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    portal = make_site(tmp_path, shared_pool, postgres_url)
    with serving(portal):
        hospital = login(Client(), "h2")
        answer = hospital.post("/uploads/", {"files": SimpleUploadedFile("h2.xlsx", workbook_bytes(HARBIN_2))})
        assert answer.status_code == 302
        assert "不达标" in hospital.get(answer.url).content.decode()
        assert login(Client(), "h1").get(answer.url).status_code == 404
        page = login(Client(), "sup").get("/supervisor/").content.decode()
        assert HARBIN_2 in page and "差距最大的不达标项" in page
        supervisor = store.tenant_of(User.objects.using(portal.store_alias).get(username="sup"))
        trend = store.institution_trend(supervisor, HARBIN_2, url=postgres_url)
        assert trend.periods and any("fail" in statuses for _, statuses in trend.rows)
        assert login(Client(), "sup_sc").get(f"/supervisor/hospitals/{HARBIN_2}/").status_code == 404
