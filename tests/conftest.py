from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compliance.ingest.submission import Reading, Submission
from compliance.pipeline.check import get_profile, load_default_catalog, run_check
from compliance.results.identity import Cell, FileRef, Subject
from compliance.results.periods import parse_period
from compliance.results.run import CheckResult, SubjectResult
from compliance.rules.spec import Catalog

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def pytest_configure(config: pytest.Config) -> None:
    # On Python 3.12 durable-rules 2.0.28 calls datetime.utcfromtimestamp() for every event it handles
    # (durable/engine.py, _unix_now). Python ignores that DeprecationWarning outside __main__, but pytest
    # records each one: tens of thousands per run, which also made the engine's memory test measure the
    # warning log. The warning is durable-rules' own, so only it is filtered.
    config.addinivalue_line(
        "filterwarnings", r"ignore:datetime\.datetime\.utcfromtimestamp\(\) is deprecated:DeprecationWarning:durable\.engine")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_default_catalog(ROOT)


@pytest.fixture(scope="session")
def checked(catalog: Catalog) -> CheckResult:
    """The non-compliant example hospital checked against the default (headline) profile."""
    return run_check(catalog, get_profile(catalog, "headline"), [EXAMPLES / "hospital-noncompliant.xlsx"])


@pytest.fixture(scope="session")
def sichuan(catalog: Catalog) -> CheckResult:
    """The Sichuan example region and its hospitals, every rule that applies (auto profile)."""
    return run_check(catalog, get_profile(catalog, "auto"), [EXAMPLES / "sichuan"], workers=0)


def renamed(subject: SubjectResult, name: str) -> SubjectResult:
    """`subject` under another name (a hostile one, say), in its result and its findings."""
    import dataclasses

    return dataclasses.replace(subject, subject=dataclasses.replace(subject.subject, name=name),
                               findings=tuple(dataclasses.replace(f, subject_name=name) for f in subject.findings))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def crash_logs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Crash logs of the command line go to a folder of the test's own, never the user's."""
    folder = tmp_path_factory.mktemp("crash-logs")
    monkeypatch.setenv("COMPLIANCE_LOG_DIR", str(folder))
    return folder


@pytest.fixture
def fetched_urls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the PDF documents of this test ask the safe fetcher for, and every font URL
    resolved to a bundled file (fonts are registered where they lie, through the fetcher's own
    checks, see compliance.report.fontconfig), in order."""
    from weasyprint.urls import URLFetcherResponse

    from compliance.report import fontconfig, render

    fetched: list[str] = []

    class RecordingFetcher(render.SafeURLFetcher):
        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            fetched.append(url)
            return super().fetch(url, headers)

    def recording_asset_path(url: str) -> Path:
        fetched.append(url)
        return fontconfig_asset_path(url)

    fontconfig_asset_path = fontconfig.asset_path
    monkeypatch.setattr(render, "SafeURLFetcher", RecordingFetcher)
    monkeypatch.setattr(fontconfig, "asset_path", recording_asset_path)
    return fetched


DEFAULT_SUBJECT: dict[str, Any] = {
    "code": "TEST0001",
    "name": "测试医院",
    "province": "黑龙江省",
    "city": "哈尔滨市",
    "grade": "level3",
    "type": "general",
    "ownership": "public",
    "period": "2024",
    "level": "hospital",
}


DEFAULT_REGION: dict[str, Any] = {
    "code": "230100",
    "name": "哈尔滨市",
    "province": "黑龙江省",
    "city": "哈尔滨市",
    "grade": None,
    "type": None,
    "ownership": None,
    "period": "2024",
    "level": "region",
    "region_level": "city",
}


def make_submission(subject: dict[str, Any] | None = None, current: dict[str, Any] | None = None,
                    prior: dict[str, Any] | None = None, tables: dict[str, list[dict[str, Any]]] | None = None,
                    name: str = "case.xlsx") -> Submission:
    """A submission built in memory, with made-up cells so sources can be asserted.

    ``subject`` overrides DEFAULT_SUBJECT (a hospital), or DEFAULT_REGION when it says ``level: region``.
    """
    defaults = DEFAULT_REGION if (subject or {}).get("level") == "region" else DEFAULT_SUBJECT
    attributes = dict(defaults, **(subject or {}))
    period = parse_period(str(attributes.pop("period")))
    assert period is not None
    built_current = {code: Reading(_typed(value), Cell(name, "指标", f"D{row}"))
                     for row, (code, value) in enumerate((current or {}).items(), start=3)}
    built_prior = {code: Reading(_typed(value), Cell(name, "指标", f"E{row}"))
                   for row, (code, value) in enumerate((prior or {}).items(), start=3)}
    built_tables = {
        table: tuple({code: Reading(_typed(value), Cell(name, table, f"{chr(65 + column)}{row}"))
                      for column, (code, value) in enumerate(record.items())}
                     for row, record in enumerate(rows, start=3))
        for table, rows in (tables or {}).items()
    }
    return Submission(FileRef(name, ""), Subject(period=period, **attributes), built_current, built_prior,
                      built_tables, {}, (), {})


def _typed(value: Any) -> Any:
    """Case files write dates as YAML text; the reader would have converted them."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def as_date(text: str | dt.date | None) -> dt.date | None:
    if isinstance(text, dt.date):
        return text
    return dt.date.fromisoformat(text) if text else None


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., list[Path]]:
    """Convert files with LibreOffice headless, in a private profile; skip when LibreOffice is missing."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed; the committed conversions in tests/fixtures cover the formats")
    profile = tmp_path_factory.mktemp("libreoffice-profile")

    def convert(sources: list[Path], target: str, outdir: Path) -> list[Path]:
        outdir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([SOFFICE, "--headless", "--norestore", "--nolockcheck",
                               f"-env:UserInstallation={profile.as_uri()}", "--convert-to", target,
                               "--outdir", str(outdir), *map(str, sources)],
                              capture_output=True, text=True, timeout=300, check=False)
        output = done.stdout + done.stderr
        assert done.returncode == 0 and "Error" not in output, output
        extension = target.split(":")[0]
        converted = [outdir / f"{source.stem}.{extension}" for source in sources]
        for path in converted:
            assert path.exists() and path.stat().st_size > 0, output
        return converted

    return convert


@pytest.fixture(scope="session")
def shared_pool() -> Any:
    """One pool of worker processes for every portal test (as one server has)."""
    from compliance.pipeline.shared import SharedPool

    pool = SharedPool(2)
    yield pool
    pool.close()


@pytest.fixture
def site(tmp_path: Path, shared_pool: Any) -> Any:
    """A portal on a store of its own (tests/portal_site.py), served to Django's test client."""
    from tests.portal_site import make_site, serving

    portal = make_site(tmp_path, shared_pool)
    with serving(portal):
        yield portal
    portal.release()
