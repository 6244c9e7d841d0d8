"""Installable and runnable anywhere: the rule packs and profiles ship inside the package, a site's
own come from a home folder (``--home`` / ``$COMPLIANCE_HOME``), and an installed tool run from an
unrelated folder checks, lists rules and writes templates where it should.

The last test builds the wheel from a copy of the sources (offline: the build uses the setuptools
of this virtualenv), installs it into a fresh virtualenv that borrows this one's dependencies
through a ``.pth`` file, and runs the installed command from an empty folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli.main import main
from compliance.errors import ConfigError
from compliance.paths import HOME_VARIABLE, bundled_home, resolve_home
from compliance.pipeline.check import load_default_catalog

from .conftest import EXAMPLES, ROOT


@pytest.fixture(autouse=True)
def _no_home_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HOME_VARIABLE, raising=False)


def _site_profile(folder: Path, name: str = "site") -> Path:
    """A home with only checks/: the headline profile under another name."""
    (folder / "checks").mkdir(parents=True)
    text = (ROOT / "checks" / "headline.yaml").read_text(encoding="utf-8")
    assert "profile: headline" in text
    (folder / "checks" / f"{name}.yaml").write_text(text.replace("profile: headline", f"profile: {name}"),
                                                    encoding="utf-8")
    return folder


def test_an_editable_checkout_reads_its_own_rules() -> None:
    """The tests run against an editable install: no bundled copies, the repository's rules/ and
    checks/ are read, so an edited pack is what the tool reads."""
    home = bundled_home()
    assert home.rules == ROOT / "rules"
    assert home.checks == (ROOT / "checks",)
    assert home.templates == ROOT / "inputs" / "templates"
    assert not (ROOT / "src" / "compliance" / "bundled").exists()


def test_a_home_with_rules_replaces_the_bundled_ones(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "checks", tmp_path / "checks")
    home = resolve_home(tmp_path)
    assert (home.rules, home.checks, home.root) == (tmp_path / "rules", (tmp_path / "checks",), tmp_path)


def test_a_home_with_only_checks_adds_its_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site_profile(tmp_path / "site")
    monkeypatch.setenv(HOME_VARIABLE, str(site))
    home = resolve_home()
    assert home.rules == ROOT / "rules"
    assert home.checks == (ROOT / "checks", site / "checks")
    catalog = load_default_catalog()
    assert {"site", "headline", "auto"} <= set(catalog.profiles)
    assert catalog.profiles["site"].path == str(site / "checks" / "site.yaml")


def test_home_option_wins_over_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_VARIABLE, str(_site_profile(tmp_path / "from-variable", "variable")))
    chosen = _site_profile(tmp_path / "from-option", "option")
    result = CliRunner().invoke(main, ["--home", str(chosen), "rules", "validate"])
    assert result.exit_code == 0, result.output
    assert "11 profiles" in result.stdout and f"read from the profiles of the home {chosen}," in result.stdout


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_home_without_rules_or_checks_is_refused(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "home"
    if make == "empty":
        folder.mkdir()
    with pytest.raises(ConfigError, match="does not exist" if make == "missing" else "neither rules/ nor checks/"):
        resolve_home(folder)
    result = CliRunner().invoke(main, ["--home", str(folder), "rules", "list"])
    assert result.exit_code == 2
    assert str(folder) in result.stderr and "--rules-dir" not in result.stderr


def test_the_missing_rules_folder_names_real_options(tmp_path: Path) -> None:
    from compliance.rules.loader import load_catalog

    with pytest.raises(ConfigError) as caught:
        load_catalog(tmp_path / "rules")
    assert "--rules-dir" not in str(caught.value)
    assert "--home" in str(caught.value) and HOME_VARIABLE in str(caught.value)


def test_help_explains_the_home() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert HOME_VARIABLE in result.stdout and "bundled" in result.stdout


def _copy_sources(target: Path) -> Path:
    """What the build needs, copied, so that building writes nothing into the shared checkout."""
    target.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("src", "rules", "checks"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    return target


def _fresh_virtualenv(folder: Path) -> Path:
    """A virtualenv whose own site-packages comes first and which borrows this one's dependencies
    (a ``.pth`` line adds the folder to sys.path without running the ``.pth`` files in it, so the
    editable install's path to src/ stays out)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "borrowed_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(borrowed)))
    return python


def test_the_built_wheel_runs_from_any_folder(tmp_path: Path) -> None:
    import setuptools

    assert int(setuptools.__version__.split(".")[0]) >= 77, (
        "building offline needs setuptools>=77 in this virtualenv (the test extra); run scripts/setup.sh")
    source = _copy_sources(tmp_path / "source")
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(wheels)], check=True, capture_output=True, text=True)
    (wheel,) = wheels.glob("compliance-*.whl")

    python = _fresh_virtualenv(tmp_path / "venv")
    subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "install", "--no-deps", "--no-index",
                    "--ignore-installed", "-q", str(wheel)], check=True, capture_output=True, text=True)
    command = str(python.parent / "compliance")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in (HOME_VARIABLE, "PYTHONPATH")}

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([command, *args], cwd=elsewhere, env={**env, **extra}, capture_output=True,
                              text=True, timeout=120)

    where = subprocess.run([str(python), "-c", "import compliance.paths as p; print(p.__file__); "
                            "print(p.bundled_home().rules)"], cwd=elsewhere, env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    assert all(line.startswith(str(tmp_path / "venv")) for line in where), where

    workbook = shutil.copy(EXAMPLES / "hospital-noncompliant.xlsx", elsewhere / "submitted.xlsx")
    checked = run("check", str(workbook), "--out", "out")
    assert checked.returncode == 1, checked.stderr
    written = sorted(path.name for path in (elsewhere / "out").iterdir())
    assert "gap-report.xlsx" in written and any(name.endswith(".pdf") for name in written), written

    validated = run("rules", "validate")
    assert validated.returncode == 0, validated.stderr
    assert "read from the rules and profiles bundled with the package" in validated.stdout

    listed = run("rules", "list")
    assert listed.returncode == 0, listed.stderr
    assert "harbin-2017." in listed.stdout and "sichuan-14fyp." in listed.stdout

    templates = run("template", "--level", "hospital")
    assert templates.returncode == 0, templates.stderr
    assert (elsewhere / "hospital-self-assessment.xlsx").is_file()

    site = _site_profile(tmp_path / "site")
    custom = run("check", str(workbook), "--profile", "site", "--format", "json", "--workers", "0",
                 **{HOME_VARIABLE: str(site)})
    assert custom.returncode == 1, custom.stderr
    assert json.loads(custom.stdout)["profile"] == "site"
    unknown = run("check", str(workbook), "--profile", "site", "--workers", "0")
    assert unknown.returncode == 2 and "未知的检查方案“site”" in unknown.stderr
