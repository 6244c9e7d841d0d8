"""Portal accounts: who may log in and what each may see.  The one way into users and their
binding (``compliance users`` and, later, the portal go through these functions).

A hospital user is bound to one institution (its GB 32100 code), a supervisor to one jurisdiction
(a GB/T 2260 province, city or county code), an administrator to nothing.  Passwords are hashed
with Argon2 (Django's hasher, argon2-cffi); they are never stored or shown in clear.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path

from compliance.errors import ConfigError
from compliance.ingest.identities import PROVINCES, check_institution_code
from compliance.store.api import _errors, _existing
from compliance.store.setup import configure, store_models

configure()  # Django's auth models need the settings before they are imported

MIN_PASSWORD_LENGTH = 10


class Role(enum.StrEnum):
    HOSPITAL = "hospital"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True)
class AccountInfo:
    username: str
    role: Role
    institution_code: str
    jurisdiction_code: str
    active: bool
    created: dt.datetime
    last_login: dt.datetime | None

    def covers(self, code: str) -> bool:
        """Whether this account may see the institution or region `code`: its own institution; for a
        supervisor, any institution or region whose division lies in its jurisdiction; for an admin, all."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.HOSPITAL:
            return code == self.institution_code
        division = code[2:8] if len(code) == 18 else code
        return within(division, self.jurisdiction_code)


def within(division: str, jurisdiction: str) -> bool:
    """Whether GB/T 2260 `division` (6 digits) lies in `jurisdiction` (a province XX0000, a city XXYY00
    or a county XXYYZZ)."""
    if len(division) != 6 or len(jurisdiction) != 6:
        return False
    if jurisdiction.endswith("0000"):
        return division[:2] == jurisdiction[:2]
    if jurisdiction.endswith("00"):
        return division[:4] == jurisdiction[:4]
    return division == jurisdiction


def check_binding(role: Role | str, institution: str | None, jurisdiction: str | None) -> tuple[str, str]:
    """The (institution, jurisdiction) a user of `role` is bound to; ConfigError saying what to give when wrong."""
    return _binding(Role(role), institution, jurisdiction)


def _binding(role: Role, institution: str | None, jurisdiction: str | None) -> tuple[str, str]:
    institution, jurisdiction = (institution or "").strip().upper(), (jurisdiction or "").strip()
    if role is Role.HOSPITAL:
        if not institution or jurisdiction:
            raise ConfigError("hospital_user_binding")
        checked = check_institution_code(institution)
        if not checked.usable:
            raise ConfigError("bad_institution_code", code=institution, problem=checked.problem)
        return checked.code, ""
    if role is Role.SUPERVISOR:
        if not jurisdiction or institution:
            raise ConfigError("supervisor_binding")
        if len(jurisdiction) != 6 or not jurisdiction.isdigit() or jurisdiction[:2] not in PROVINCES:
            raise ConfigError("bad_jurisdiction", code=jurisdiction)
        return "", jurisdiction
    if institution or jurisdiction:
        raise ConfigError("admin_binding")
    return "", ""


def _info(user: object) -> AccountInfo:
    account = user.compliance_account  # type: ignore[attr-defined]
    return AccountInfo(user.username, Role(account.role), account.institution_code,  # type: ignore[attr-defined]
                       account.jurisdiction_code, user.is_active, account.created,  # type: ignore[attr-defined]
                       user.last_login)  # type: ignore[attr-defined]


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError("password_too_short", minimum=MIN_PASSWORD_LENGTH)
    if username.lower() in password.lower():
        raise ConfigError("password_has_username")


def add_user(username: str, password: str, role: Role | str, institution: str | None = None,
             jurisdiction: str | None = None, url: str | None = None, home: Path | None = None) -> AccountInfo:
    """Create a user with its role and binding (ConfigError when the name is taken or the binding wrong)."""
    from django.contrib.auth.models import User
    from django.db import transaction

    models = store_models()

    chosen = Role(role)
    username = username.strip()
    if not username or len(username) > 150 or any(ch.isspace() for ch in username):
        raise ConfigError("bad_username", username=username)
    institution_code, jurisdiction_code = _binding(chosen, institution, jurisdiction)
    _check_password(password, username)
    name = _existing(url, home)
    with _errors(name), transaction.atomic(using=name):
        if User.objects.using(name).filter(username=username).exists():
            raise ConfigError("user_exists", username=username)
        user = User(username=username, is_staff=chosen is Role.ADMIN, is_superuser=chosen is Role.ADMIN)
        user.set_password(password)
        user.save(using=name)
        models.Account.objects.using(name).create(user=user, role=chosen.value, institution_code=institution_code,
                                                  jurisdiction_code=jurisdiction_code, created=dt.datetime.now(dt.UTC))
        return _info(user)


def users(url: str | None = None, home: Path | None = None) -> tuple[AccountInfo, ...]:
    """Every portal user, by name."""
    from django.contrib.auth.models import User

    name = _existing(url, home)
    with _errors(name):
        rows = User.objects.using(name).filter(compliance_account__isnull=False).select_related(
            "compliance_account").order_by("username")
        return tuple(_info(user) for user in rows)


def _user(name: str, username: str) -> object:
    from django.contrib.auth.models import User

    user = User.objects.using(name).filter(username=username, compliance_account__isnull=False).select_related(
        "compliance_account").first()
    if user is None:
        raise ConfigError("no_such_user", username=username)
    return user


def set_active(username: str, active: bool, url: str | None = None, home: Path | None = None) -> AccountInfo:
    """Disable a user (it can no longer log in; its history stays) or enable it again."""
    name = _existing(url, home)
    with _errors(name):
        user = _user(name, username)
        user.is_active = active  # type: ignore[attr-defined]
        user.save(using=name, update_fields=["is_active"])  # type: ignore[attr-defined]
        return _info(user)


def set_password(username: str, password: str, url: str | None = None, home: Path | None = None) -> AccountInfo:
    name = _existing(url, home)
    with _errors(name):
        user = _user(name, username)
        _check_password(password, username)
        user.set_password(password)  # type: ignore[attr-defined]
        user.save(using=name, update_fields=["password"])  # type: ignore[attr-defined]
        return _info(user)


def unlock(username: str, url: str | None = None, home: Path | None = None) -> tuple[AccountInfo, int]:
    """Clear a user's failed logins (from every address), so a user the portal locked out after too
    many can log in again before the lockout ends; the account, and how many failed logins were
    cleared."""
    from axes.models import AccessAttempt
    from django.db import transaction
    from django.db.models import Sum

    name = _existing(url, home)
    with _errors(name), transaction.atomic(using=name):
        user = _user(name, username)
        attempts = AccessAttempt.objects.using(name).filter(username=username)
        failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        attempts.delete()
        return _info(user), failures


def authenticate(username: str, password: str, url: str | None = None, home: Path | None = None) -> AccountInfo | None:
    """The account when `password` is the active user's, else None (the same answer for an unknown user)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    name = _existing(url, home)
    with _errors(name):
        user = User.objects.using(name).filter(username=username, compliance_account__isnull=False).select_related(
            "compliance_account").first()
        if user is None:
            make_password(password)  # as long as a real check: the time does not tell who exists
            return None
        if not user.check_password(password) or not user.is_active:
            return None
        return _info(user)
