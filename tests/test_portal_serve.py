"""`compliance serve` as operations run it: a process on waitress that answers, stops on SIGTERM
with exit code 0 and leaves no worker process behind, and refuses an unmigrated store."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from compliance.store import api
from compliance.store.setup import sqlite_url

COMPLIANCE = [sys.executable, "-c", "from compliance.cli import main; main()"]


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], check=False, capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def test_serve_answers_and_stops_cleanly(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "store.sqlite3")
    api.migrate(url)
    process = subprocess.Popen([*COMPLIANCE, "serve", "--port", "0", "--data", str(tmp_path / "data"), "--workers", "1"],
                               env=_env(url), stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()  # type: ignore[union-attr]
        base = re.search(r"http://[\d.]+:\d+", line)
        assert base, line
        with urllib.request.urlopen(base.group(0) + "/healthz", timeout=30) as answer:
            assert answer.read() == b"ok"
        with urllib.request.urlopen(base.group(0) + "/login/", timeout=30) as answer:
            assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
            assert "登录" in answer.read().decode()
        assert (tmp_path / "data" / "secret-key").stat().st_mode & 0o777 == 0o600
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert "stopped" in process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
    deadline = time.monotonic() + 10
    while _children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _children(process.pid)


def test_serve_refuses_an_unmigrated_store(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "store.sqlite3")
    done = subprocess.run([*COMPLIANCE, "serve", "--port", "0", "--data", str(tmp_path / "data")], check=False, env=_env(url),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "compliance db migrate" in done.stderr
