"""A serving portal: its configuration, its folders, its catalog and its worker pool.

One :class:`Portal` per server process, kept in Django's settings as ``COMPLIANCE_PORTAL`` by
:func:`compliance.web.server.prepare`.  Its data folder holds what users sent and what was made
for them, none of it served directly::

    <data>/uploads/          accepted workbooks under random names (0600)
    <data>/reports/<token>/  an upload's gap workbook, PDF report and notice, its result as JSON
    <data>/audits/<token>/   a background audit's reports
    <data>/checks/waivers/   waivers granted in the portal (portal.yaml), read with the home's
    <data>/logs/portal.log   errors with their tracebacks (users see a reference only)
    <data>/secret-key        the key that signs sessions (0600), made on first start
    <data>/portal.lock       held by the serving process: one server per data folder
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from compliance.errors import ConfigError
from compliance.paths import resolve_home
from compliance.pipeline.shared import SharedPool
from compliance.rules.loader import load_catalog
from compliance.rules.spec import Catalog
from compliance.store import setup
from compliance.web.settings import MAX_UPLOAD_BYTES

FOLDERS = ("uploads", "reports", "audits", "checks/waivers", "logs")
#: An upload's folders without a record, this old, were left by a stopped server (a check takes seconds).
UNRECORDED_AFTER_SECONDS = 3600
#: Profile of hospital uploads: every rule that applies to the hospital, by its jurisdiction.
DEFAULT_PROFILE = "auto"


@dataclass(frozen=True)
class PortalConfig:
    data: Path
    store_url: str
    home: Path | None = None
    profile: str = DEFAULT_PROFILE
    max_upload: int = MAX_UPLOAD_BYTES
    workers: int | None = None
    secure: bool = False  # served over HTTPS (behind a proxy): secure cookies and HSTS


def read_secret_key(data: Path) -> str:
    """The portal's signing key, made (0600, never replaced) on first start."""
    path = data / "secret-key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text(encoding="ascii").strip()


def _hold_data_folder(data: Path) -> int:
    """Hold ``<data>/portal.lock`` for as long as the portal serves (the system lets go when the
    process ends, however it ends): a second server on the same data folder would take the first's
    unfinished uploads and audits for a stopped server's, and remove them."""
    from compliance.audit.lock import open_lock_file

    fd = open_lock_file(data / "portal.lock", 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError("portal_data_in_use", data=str(data)) from None
    return fd


class Portal:
    def __init__(self, config: PortalConfig, pool: SharedPool | None = None) -> None:
        self.config = config
        for name in FOLDERS:
            (config.data / name).mkdir(parents=True, exist_ok=True, mode=0o700)
        self._data_lock: int | None = _hold_data_folder(config.data)
        self._sweep()
        self.store_alias = setup.alias(config.store_url)
        self._sweep_unrecorded()
        self.pool = pool or SharedPool(config.workers)
        self.jobs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compliance-audit")
        self._lock = threading.Lock()
        self.waiver_lock = threading.Lock()  # one grant at a time writes the portal's waiver file
        self._catalog: tuple[tuple[tuple[str, int, int], ...], Catalog] | None = None

    def _sweep(self) -> None:
        """Remove what a server stopped mid-upload left: part files and accepted files never moved
        into a folder of their own (no request is in flight when a portal starts)."""
        for path in (self.config.data / "uploads").iterdir():
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)

    def _sweep_unrecorded(self) -> None:
        """Remove what a server stopped mid-check left: an upload's folders (the file as sent, its
        reports) that no upload record owns, older than any check takes; and mark the audits it
        was running failed, their folders removed (no job outlives its server's process)."""
        import shutil
        import time

        from compliance.store import portal as store
        from compliance.wording.catalogue import DEFAULT_LANGUAGE, text

        url = self.config.store_url
        recorded = store.upload_tokens(url)
        settled = time.time() - UNRECORDED_AFTER_SECONDS
        for parent in (self.uploads, self.reports):
            for folder in parent.iterdir():
                if folder.is_dir() and not folder.is_symlink() and folder.name not in recorded \
                        and folder.stat().st_mtime < settled:
                    shutil.rmtree(folder, ignore_errors=True)
        for token in store.fail_unfinished_jobs(text("web.job.interrupted", DEFAULT_LANGUAGE), url):
            folder = self.audits / token
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)

    @property
    def uploads(self) -> Path:
        return self.config.data / "uploads"

    @property
    def reports(self) -> Path:
        return self.config.data / "reports"

    @property
    def audits(self) -> Path:
        return self.config.data / "audits"

    @property
    def checks(self) -> Path:
        return self.config.data / "checks"

    @property
    def waiver_file(self) -> Path:
        return self.checks / "waivers" / "portal.yaml"

    def _waiver_state(self) -> tuple[tuple[str, int, int], ...]:
        home = resolve_home(self.config.home)
        files = [path for folder in (*home.checks, self.checks) for path in sorted((folder / "waivers").glob("*.yaml"))]
        return tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)

    def catalog(self) -> Catalog:
        """The home's rules and profiles with every waiver, the portal's included; loaded again
        when a waiver file changes."""
        state = self._waiver_state()
        with self._lock:
            if self._catalog is None or self._catalog[0] != state:
                home = resolve_home(self.config.home)
                self._catalog = (state, load_catalog(home.rules, [*home.checks, self.checks]))
            return self._catalog[1]

    def release(self) -> None:
        """Stop taking work: the audits end, and the data folder is another server's to take."""
        self.jobs.shutdown(wait=True, cancel_futures=True)
        if self._data_lock is not None:
            os.close(self._data_lock)
            self._data_lock = None

    def close(self) -> None:
        self.release()
        self.pool.close()
