"""The history store (issue 15, point 2): migrations, saving a run, reading it back, on SQLite and PostgreSQL.

Django is configured once per process; each store is an alias of its own URL, so every test names
a store of its own (a temporary SQLite file) and the tests run in the suite's one process."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compliance.cli.main import main
from compliance.cli.output import plain
from compliance.pipeline.check import get_profile, run_check
from compliance.results.run import CheckResult
from compliance.rules.spec import Catalog
from compliance.store import api
from compliance.store.setup import sqlite_url

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="module")
def harbin(catalog: Catalog) -> CheckResult:
    return run_check(catalog, get_profile(catalog, "auto"), [ROOT / "examples" / "harbin"], workers=0)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "history" / "store.sqlite3")


def expected(result: CheckResult) -> list[tuple[Any, ...]]:
    """Each finding of `result` as the store should give it back (strict JSON values)."""
    def value(quantity: Any) -> tuple[Any, str]:
        return (None, "") if quantity is None else (plain(quantity.value), quantity.unit)

    return sorted((f.submission.file.sha256, f.submission.institution, f.period, f.rule_id, f.rule_digest,
                   f.status.value, f.reason.value, f.severity.value, *value(f.observed),
                   f.required.comparator if f.required else "", *value(f.required.threshold if f.required else None),
                   *value(f.gap), {k: plain(v) for k, v in f.details.items()}) for f in result.findings)


def stored(findings: tuple[api.StoredFinding, ...]) -> list[tuple[Any, ...]]:
    return sorted((f.sha256, f.code, f.period, f.rule_id, f.rule_digest, f.status, f.reason, f.severity,
                   f.observed_value, f.observed_unit, f.required_comparator, f.required_threshold, f.required_unit,
                   f.gap_value, f.gap_unit, dict(f.details)) for f in findings)


def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row[:4]


def test_migrate_and_status(url: str, tmp_path: Path) -> None:
    before = api.status(url)
    ours = ("0001_initial", "0002_audit_runs", "0003_accounts")
    assert (before.vendor, before.applied, before.unapplied[:3]) == ("sqlite", (), ours)
    assert "auth.0001_initial" in before.unapplied  # the accounts need Django's auth tables
    assert not (tmp_path / "history").exists()  # status creates nothing
    after = api.migrate(url)
    assert after.location == str(tmp_path / "history" / "store.sqlite3")
    assert (after.applied[:3], after.unapplied, after.up_to_date) == (ours, (), True)
    assert set(before.unapplied) == set(after.applied)
    assert api.migrate(url) == after  # again: nothing to do


def test_save_and_read_back(harbin: CheckResult, url: str) -> None:
    api.migrate(url)
    assert harbin.findings and any(f.details for f in harbin.findings)
    api.save_run(harbin, url)
    findings = api.findings(harbin.run.id, url)
    assert sorted(stored(findings), key=key) == sorted(expected(harbin), key=key)
    (run,) = api.runs(url)
    assert (run.id, run.profile, run.catalog_digest, run.as_of, run.started) == (
        harbin.run.id, "auto", harbin.run.catalog_digest, None, harbin.run.started)
    assert (run.submissions, run.findings) == (len(harbin.subjects), len(harbin.findings))
    submissions = api.submissions(url=url)
    assert sorted((s.sha256, s.path, s.level, s.code, s.period) for s in submissions) == sorted(
        (s.submission.file.sha256, s.submission.file.path, s.subject.level, s.submission.institution,
         s.submission.period) for s in harbin.subjects)
    assert all(s.readings > 0 for s in submissions if s.level == "hospital")


def test_saving_twice_duplicates_nothing(harbin: CheckResult, catalog: Catalog, url: str) -> None:
    api.migrate(url)
    first = api.save_run(harbin, url)
    assert api.save_run(harbin, url) == first  # the same run: left as it is
    counts = (api.runs(url), api.submissions(url=url), api.findings(harbin.run.id, url))
    assert [len(c) for c in counts] == [1, len(harbin.subjects), len(harbin.findings)]
    again = run_check(catalog, get_profile(catalog, "auto"), [ROOT / "examples" / "harbin"], workers=0)
    assert api.save_run(again, url) != first
    assert len(api.runs(url)) == 2
    assert api.submissions(url=url) == counts[1]  # the same files: the same submissions, readings kept once
    code = harbin.subjects[0].submission.institution
    history = api.history(code, url)
    assert len(history) == 2 * len(harbin.subjects[0].findings)
    assert {h.run_id for h in history} == {harbin.run.id, again.run.id}
    runs_by_rule: dict[str, list[str]] = {}
    for entry in history:
        runs_by_rule.setdefault(entry.rule_id, []).append(entry.run_id)
    assert all(ids == [harbin.run.id, again.run.id] for ids in runs_by_rule.values())  # oldest run first


def test_cli_db_status_and_migrate(runner: CliRunner, url: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(main, ["db", "status"])
    assert result.exit_code == 0, result.output
    assert f"database: sqlite {tmp_path / 'history' / 'store.sqlite3'}" in result.output
    assert "unapplied: 0001_initial, 0002_audit_runs, 0003_accounts, 0004_portal, admin.0001_initial" in result.output
    assert "auth.0001_initial" in result.output and "sessions.0001_initial" in result.output
    result = runner.invoke(main, ["db", "migrate"])
    assert result.exit_code == 0, result.output
    assert "applied: 0001_initial, 0002_audit_runs, 0003_accounts, 0004_portal" in result.output
    assert "up to date" in result.output
    assert "up to date" in runner.invoke(main, ["db", "status"]).output


def test_cli_default_store_is_in_the_home(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "checks").mkdir()
    result = runner.invoke(main, ["--home", str(tmp_path), "db", "status"])
    assert result.exit_code == 0, result.output
    assert f"database: sqlite {tmp_path.resolve() / 'store.sqlite3'}" in result.output


def test_cli_unreachable_database_names_host_not_password(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://someone:s3cret-pw@127.0.0.1:1/nothing")
    result = runner.invoke(main, ["db", "status"])
    assert result.exit_code == 2
    assert "127.0.0.1" in result.output and "someone@127.0.0.1:1/nothing" in result.output
    assert "s3cret-pw" not in result.output


def test_cli_bad_url(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://u:pw@host/x")
    result = runner.invoke(main, ["db", "migrate"])
    assert result.exit_code == 2 and "pw" not in result.output.replace("password", "")


def test_unmigrated_store_says_to_migrate(harbin: CheckResult, url: str) -> None:
    with pytest.raises(api.ConfigError, match="does not exist yet.*compliance db migrate"):
        api.save_run(harbin, url)
    with pytest.raises(api.ConfigError, match="compliance db migrate"):
        api.runs(url)
    Path(url.removeprefix("sqlite:///")).parent.mkdir()
    Path(url.removeprefix("sqlite:///")).touch()  # a file without the tables
    with pytest.raises(api.ConfigError, match="no such table.*compliance db migrate"):
        api.save_run(harbin, url)


def test_only_the_store_touches_the_orm() -> None:
    """The store package holds the models and every query; the portal (web) uses Django's HTTP,
    sessions and auth but reaches the data only through the store's functions; nothing else imports Django."""
    for path in (ROOT / "src" / "compliance").rglob("*.py"):
        package = path.relative_to(ROOT / "src" / "compliance").parts[0]
        if package == "store":
            continue
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if package == "web":
                assert not any(name.startswith(("django.db", "compliance.store.models")) for name in names), path
            else:
                assert not any(name.split(".")[0] == "django" for name in names), path
            if isinstance(node, ast.Attribute):
                assert node.attr != "objects", f"{path}: a query outside the store"


def postgres_answers() -> str:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"no PostgreSQL server answers at 127.0.0.1:5432 (database test): {str(exc).strip()[:120]}"
    return ""


def test_postgres_stores_what_sqlite_stores(harbin: CheckResult, url: str) -> None:
    reason = postgres_answers()
    if reason:
        pytest.skip(reason)
    status = api.migrate(POSTGRES)
    assert (status.vendor, status.unapplied) == ("postgresql", ())
    assert "postgres@127.0.0.1:5432/test" == status.location
    api.migrate(url)
    for store in (POSTGRES, url):
        first = api.save_run(harbin, store)
        assert api.save_run(harbin, store) == first
    assert stored(api.findings(harbin.run.id, POSTGRES)) == stored(api.findings(harbin.run.id, url))
    assert sorted(stored(api.findings(harbin.run.id, POSTGRES)), key=key) == sorted(expected(harbin), key=key)
    shas = {s.submission.file.sha256 for s in harbin.subjects}
    on_postgres = [s for s in api.submissions(url=POSTGRES) if s.sha256 in shas]
    assert len(on_postgres) == len(harbin.subjects)  # however many runs saved these files before


def test_migrations_match_the_models() -> None:
    """A change to models.py comes with its migration (makemigrations would write none)."""
    from django.core.management import call_command

    from compliance.store.setup import configure

    configure()
    call_command("makemigrations", "compliance_store", check=True, dry_run=True, verbosity=0)


def test_cli_check_save(runner: CliRunner, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --save` refuses an unmigrated store before reading anything, else keeps the run as a check."""
    monkeypatch.setenv("DATABASE_URL", url)
    args = ["check", str(ROOT / "examples" / "harbin"), "--profile", "auto", "--workers", "0", "--format", "json",
            "--progress", "none", "--save"]
    refused = runner.invoke(main, args)
    assert refused.exit_code == 2 and "compliance db migrate" in refused.stderr and not refused.stdout
    api.migrate(url)
    saved = runner.invoke(main, args)
    assert saved.exit_code == 1, saved.output
    (run,) = api.runs(url)
    assert run.started_by == "cli" and run.submissions == 3
    entries = api.history("230100", url)
    assert entries and {e.run_kind for e in entries} == {"check"} and {e.period for e in entries} == {"2020"}
    table = runner.invoke(main, ["history", "230100"])
    assert table.exit_code == 0 and "2020" in table.stdout
