"""Portal accounts (issue 16, point 4): roles, bindings to an institution or jurisdiction, Argon2
passwords, disabling, and the `compliance users` commands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli.main import main
from compliance.errors import ConfigError
from compliance.store import accounts, api
from compliance.store.accounts import Role, within
from compliance.store.setup import sqlite_url

HOSPITAL = "12510100MB0000101H"  # a Chengdu institution of the bundled examples
PASSWORD = "correct horse battery"


@pytest.fixture
def url(tmp_path: Path) -> str:
    found = sqlite_url(tmp_path / "store.sqlite3")
    api.migrate(found)
    return found


def test_users_are_bound_and_passwords_hashed_with_argon2(url: str, tmp_path: Path) -> None:
    hospital = accounts.add_user("alice", PASSWORD, "hospital", institution=HOSPITAL.lower(), url=url)
    supervisor = accounts.add_user("bob", PASSWORD, Role.SUPERVISOR, jurisdiction="510000", url=url)
    admin = accounts.add_user("root", PASSWORD, "admin", url=url)
    assert (hospital.role, hospital.institution_code, hospital.jurisdiction_code) == (Role.HOSPITAL, HOSPITAL, "")
    assert (supervisor.jurisdiction_code, admin.institution_code, admin.jurisdiction_code) == ("510000", "", "")
    assert [a.username for a in accounts.users(url)] == ["alice", "bob", "root"]
    stored = [row[0] for row in sqlite3.connect(tmp_path / "store.sqlite3").execute("select password from auth_user")]
    assert all(password.startswith("argon2$argon2id$") and PASSWORD not in password for password in stored)
    assert accounts.authenticate("alice", PASSWORD, url) == hospital
    assert accounts.authenticate("alice", PASSWORD + "x", url) is None
    assert accounts.authenticate("nobody", PASSWORD, url) is None


@pytest.mark.parametrize(("role", "institution", "jurisdiction", "wrong"), [
    ("hospital", None, None, "give --institution"),
    ("hospital", HOSPITAL, "510000", "no --jurisdiction"),
    ("hospital", "12510100MB0000101X", None, "not a valid unified social credit code"),
    ("supervisor", None, None, "give --jurisdiction"),
    ("supervisor", None, "990000", "not a GB/T 2260 division code"),
    ("supervisor", None, "5100", "not a GB/T 2260 division code"),
    ("supervisor", HOSPITAL, "510000", "no --institution"),
    ("admin", HOSPITAL, None, "give neither"),
])
def test_a_wrong_binding_is_refused(url: str, role: str, institution: str | None, jurisdiction: str | None,
                                    wrong: str) -> None:
    with pytest.raises(ConfigError, match=wrong):
        accounts.add_user("eve", PASSWORD, role, institution, jurisdiction, url=url)
    assert accounts.users(url) == ()


@pytest.mark.parametrize(("password", "wrong"), [("short", "too short"), ("alice-is-my-name", "contains the user name")])
def test_a_weak_password_is_refused(url: str, password: str, wrong: str) -> None:
    with pytest.raises(ConfigError, match=wrong):
        accounts.add_user("alice", password, "admin", url=url)


def test_a_taken_name_disable_and_new_password(url: str) -> None:
    accounts.add_user("alice", PASSWORD, "hospital", institution=HOSPITAL, url=url)
    with pytest.raises(ConfigError, match="exists already"):
        accounts.add_user("alice", PASSWORD, "admin", url=url)
    assert not accounts.set_active("alice", False, url).active
    assert accounts.authenticate("alice", PASSWORD, url) is None  # a disabled user cannot log in
    accounts.set_active("alice", True, url)
    accounts.set_password("alice", "another long password", url)
    assert accounts.authenticate("alice", PASSWORD, url) is None
    assert accounts.authenticate("alice", "another long password", url) is not None
    with pytest.raises(ConfigError, match="no user 'bob'; see `compliance users list`"):
        accounts.set_password("bob", PASSWORD, url)


@pytest.mark.parametrize(("division", "jurisdiction", "inside"), [
    ("510104", "510000", True), ("510104", "510100", True), ("510104", "510104", True),
    ("510104", "510700", False), ("230100", "510000", False), ("510000", "510100", False), ("51010", "510000", False),
])
def test_jurisdictions_nest(division: str, jurisdiction: str, inside: bool) -> None:
    assert within(division, jurisdiction) is inside


def test_what_an_account_covers(url: str) -> None:
    hospital = accounts.add_user("alice", PASSWORD, "hospital", institution=HOSPITAL, url=url)
    sichuan = accounts.add_user("bob", PASSWORD, "supervisor", jurisdiction="510000", url=url)
    harbin = accounts.add_user("carol", PASSWORD, "supervisor", jurisdiction="230100", url=url)
    admin = accounts.add_user("root", PASSWORD, "admin", url=url)
    other = "12510100MB0000102L"
    assert hospital.covers(HOSPITAL) and not hospital.covers(other) and not hospital.covers("510000")
    assert sichuan.covers(HOSPITAL) and sichuan.covers(other) and sichuan.covers("510000") and sichuan.covers("510100")
    assert not harbin.covers(HOSPITAL) and not harbin.covers("510000") and harbin.covers("230100")
    assert admin.covers(HOSPITAL) and admin.covers("230100")


def test_users_commands(runner: CliRunner, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    added = runner.invoke(main, ["users", "add", "alice", "--role", "hospital", "--institution", HOSPITAL,
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "alice" in added.stdout and HOSPITAL in added.stdout and PASSWORD not in added.output
    prompted = runner.invoke(main, ["users", "add", "bob", "--role", "supervisor", "--jurisdiction", "510000"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    wrong = runner.invoke(main, ["users", "add", "carol", "--role", "supervisor", "--institution", HOSPITAL])
    assert wrong.exit_code == 2 and "--jurisdiction" in wrong.stderr and "Password" not in wrong.output
    assert runner.invoke(main, ["users", "disable", "alice"]).exit_code == 0
    listed = runner.invoke(main, ["users", "list", "--format", "json"])
    rows = {row["username"]: row for row in __import__("json").loads(listed.stdout)}
    assert (rows["alice"]["active"], rows["bob"]["active"], rows["bob"]["jurisdiction_code"]) == (False, True, "510000")
    assert "password" not in listed.stdout
    changed = runner.invoke(main, ["users", "set-password", "bob", "--password-stdin"], input="a new long password\n")
    assert changed.exit_code == 0 and accounts.authenticate("bob", "a new long password", url) is not None
