"""``compliance users``: portal accounts in the history store (see :mod:`compliance.store.accounts`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from tabulate import tabulate

from compliance.cli.main import main
from compliance.cli.output import plain


@main.group()
def users() -> None:
    """Portal accounts in the history store: a hospital user bound to one institution, a supervisor to
    one jurisdiction (GB/T 2260 code), an administrator to none."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))


def _account_line(account: Any) -> list[str]:
    return [account.username, account.role.value, account.institution_code or account.jurisdiction_code or "-",
            "yes" if account.active else "no (disabled)",
            account.last_login.isoformat(timespec="seconds") if account.last_login else "-"]


_ACCOUNT_HEADERS = ("user", "role", "institution / jurisdiction", "active", "last login")


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["hospital", "supervisor", "admin"]), required=True)
@click.option("--institution", default=None, help="A hospital user's institution (18-character unified social "
                                                  "credit code).")
@click.option("--jurisdiction", default=None, help="A supervisor's jurisdiction: GB/T 2260 code of a province "
                                                   "(510000), city (230100) or county.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input "
                                                     "(else it is asked for twice, unseen).")
@click.pass_context
def users_add(ctx: click.Context, username: str, role: str, institution: str | None, jurisdiction: str | None,
              password_stdin: bool) -> None:
    """Create a portal user (at least 10 characters of password, hashed with Argon2)."""
    from compliance.store import accounts

    home = ctx.find_root().obj["home_option"]
    accounts.check_binding(role, institution, jurisdiction)  # a wrong binding stops before the password is asked
    account = accounts.add_user(username, _password(password_stdin), role, institution, jurisdiction, home=home)
    click.echo(tabulate([_account_line(account)], headers=list(_ACCOUNT_HEADERS), disable_numparse=True))


@users.command("list")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def users_list(ctx: click.Context, output_format: str) -> None:
    """Every portal user with role, binding and last login (never a password)."""
    from compliance.store import accounts

    found = accounts.users(home=ctx.find_root().obj["home_option"])
    if output_format == "json":
        click.echo(json.dumps([{key: plain(value) for key, value in vars(a).items()} for a in found],
                              ensure_ascii=False, indent=2))
        return
    click.echo(tabulate([_account_line(a) for a in found], headers=list(_ACCOUNT_HEADERS), disable_numparse=True))


@users.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable a disabled user again.")
@click.pass_context
def users_disable(ctx: click.Context, username: str, enable: bool) -> None:
    """Stop a user logging in (its uploads and history stay)."""
    from compliance.store import accounts

    account = accounts.set_active(username, enable, home=ctx.find_root().obj["home_option"])
    click.echo(tabulate([_account_line(account)], headers=list(_ACCOUNT_HEADERS), disable_numparse=True))


@users.command("unlock")
@click.argument("username")
@click.pass_context
def users_unlock(ctx: click.Context, username: str) -> None:
    """Let a user the portal locked out (too many failed logins) log in again at once."""
    from compliance.store import accounts
    from compliance.wording.catalogue import text

    account, cleared = accounts.unlock(username, home=ctx.find_root().obj["home_option"])
    click.echo(text("cli.users.unlocked", username=account.username, cleared=cleared))


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def users_set_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Give a user a new password."""
    from compliance.store import accounts

    account = accounts.set_password(username, _password(password_stdin), home=ctx.find_root().obj["home_option"])
    click.echo(f"password changed for {account.username}")
