"""Django's configuration for the history store: once per process, lazily, from a database URL.

Django's settings are process-global, so the first call of :func:`configure` sets them and later
calls leave them be.  Each store is a database alias of its own, registered by :func:`alias` from
its URL when first used (the ``default`` alias is a dummy that never connects): one process can use
several stores (a ``--home`` of its own, a test's temporary file), and the URL is read when a store
is used, not when Django was configured.

Where the store is, unless ``$DATABASE_URL`` names one:

* with a home (``--home``/``$COMPLIANCE_HOME``, or the checkout of an editable install):
  ``<home>/store.sqlite3``;
* an installed package without a home: ``$XDG_DATA_HOME/compliance/store.sqlite3``
  (``~/.local/share/compliance/store.sqlite3`` when ``$XDG_DATA_HOME`` is not set).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import dj_database_url
import django
from django.conf import settings
from django.db import connections

from compliance.errors import ConfigError

URL_VARIABLE = "DATABASE_URL"
FILE_NAME = "store.sqlite3"
DEFAULT_ALIAS = "default"


def default_url(home: Path | None = None) -> str:
    """``$DATABASE_URL``, else the SQLite file of the home (``--home`` when given), else the user's data folder."""
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE]
    return sqlite_url(default_file(home))


def default_file(home: Path | None = None) -> Path:
    from compliance.paths import resolve_home

    root = resolve_home(home).root
    if root is not None:
        return root / FILE_NAME
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "compliance" / FILE_NAME


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def parse(url: str) -> dict[str, Any]:
    """Django's database settings for `url` (ConfigError naming the URL's scheme when it is not one)."""
    try:
        config: dict[str, Any] = dj_database_url.parse(url)
    except (ValueError, KeyError) as exc:
        raise ConfigError("bad_database_url", url=redacted(url), detail=str(exc)) from exc
    if not config.get("ENGINE"):
        raise ConfigError("database_url_no_engine", url=redacted(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Several writers at once (the portal's threads, an audit beside them): each write transaction
        # takes the lock when it begins and waits for it, instead of failing at once on the upgrade
        # from reading; readers go on beside the writer (write-ahead log).
        config.setdefault("OPTIONS", {}).update(
            {"transaction_mode": "IMMEDIATE", "timeout": 60,
             "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"})
    return config


def redacted(url: str) -> str:
    """`url` without its password."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}{':***' if ':' in credentials else ''}@{host}"


def configure() -> None:
    """Set Django up for the store, once per process (later calls return at once).

    Reentrant: ``django.setup()`` imports the store's models, which call this again; Django is
    configured by then, so that call returns."""
    if settings.configured:
        return
    from compliance.web.settings import django_settings

    settings.configure(**django_settings())
    django.setup()


def store_models() -> ModuleType:
    """The store's models, with Django set up first.  Imported first, they would set Django up
    half-way through their own import, and the admin, which Django's setup imports, would find
    them undefined (``compliance history`` as a process's first use of the store crashed so)."""
    configure()
    from compliance.store import models

    return models


def alias(url: str | None = None, home: Path | None = None) -> str:
    """The database alias of the store at `url` (default: :func:`default_url` of `home`),
    registered on first use."""
    configure()
    url = url or default_url(home)
    name = "store_" + hashlib.sha256(url.encode()).hexdigest()[:16]
    if name not in connections.settings:
        configured = connections.configure_settings({DEFAULT_ALIAS: connections.settings[DEFAULT_ALIAS],
                                                     name: parse(url)})  # fills in Django's defaults
        connections.settings[name] = configured[name]
    return name


def location(name: str) -> tuple[str, str]:
    """(vendor, where) of the database of alias `name`: a file, or user@host:port/name; never a password."""
    connection = connections[name]
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return connection.vendor, str(config["NAME"])
    host = config.get("HOST") or "localhost"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    user = f"{config['USER']}@" if config.get("USER") else ""
    return connection.vendor, f"{user}{host}{port}/{config.get('NAME', '')}"
