"""Locked-down URL fetcher for WeasyPrint 70 report rendering.

Report HTML contains text taken from submitted spreadsheets, so it must never
make WeasyPrint read local files or reach the network.  The fetcher serves:

* ``compliance-asset:<subdir>/<path>`` -- a regular file under one of
  :data:`ASSET_SUBDIRS` of this package directory (``src/compliance/report``),
  e.g. ``compliance-asset:fonts/ComplianceSansSC-Regular.ttf``.  Path
  traversal (``..``), absolute paths, backslashes, NULs, hidden files and
  symlinks resolving outside the asset directory are refused;
* ``data:`` URLs, decoded by WeasyPrint's own :class:`~weasyprint.urls.URLFetcher`.

Everything else (``file:``, ``http(s):``, ``ftp:`` ...) raises
:class:`FetchRefused`.  WeasyPrint catches that, logs a warning and renders
without the resource (unless ``fail_on_errors=True``).

WeasyPrint 70 API: ``url_fetcher`` must be a :class:`weasyprint.urls.URLFetcher`
(sub)class instance -- WeasyPrint calls it and reads its private
``_fail_on_errors`` attribute when a fetch fails -- returning a
:class:`weasyprint.urls.URLFetcherResponse`.  Use :class:`SafeURLFetcher`;
:func:`safe_url_fetcher` is the plain-function form (it carries the attribute
too, so it also works when passed directly).

Relative URLs are not resolved against ``compliance-asset:`` base URLs
(``urljoin`` ignores unknown schemes): always write absolute
``compliance-asset:`` URLs, in HTML and in CSS.
"""

from __future__ import annotations

import mimetypes
import re
import ssl
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "ASSET_ROOT",
    "ASSET_SCHEME",
    "ASSET_SUBDIRS",
    "FetchRefused",
    "SafeURLFetcher",
    "asset_path",
    "asset_url",
    "safe_url_fetcher",
]

ASSET_SCHEME = "compliance-asset"
#: The package's report directory; only ASSET_SUBDIRS below it are served.
ASSET_ROOT: Path = Path(__file__).resolve().parent
ASSET_SUBDIRS: tuple[str, ...] = ("fonts", "css", "static")

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9.+-]*):")
_CONTENT_TYPES = MappingProxyType({
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
})


class FetchRefused(ValueError):
    """A resource URL that report rendering is not allowed to fetch."""

    def __init__(self, url: str, reason: str) -> None:
        shown = url if len(url) <= 200 else url[:200] + "..."
        super().__init__(f"refused to fetch {shown!r}: {reason}")
        self.url = url
        self.reason = reason


def asset_url(relative_path: str) -> str:
    """``compliance-asset:`` URL of a file under the report asset directory."""
    return f"{ASSET_SCHEME}:{relative_path}"


def asset_path(url: str) -> Path:
    """Resolve a ``compliance-asset:`` URL to a served file, or raise FetchRefused."""
    match = _SCHEME_RE.match(url)
    if not match or match[1].lower() != ASSET_SCHEME:
        raise FetchRefused(url, f"not a {ASSET_SCHEME}: URL")
    raw = url[match.end():].split("#", 1)[0].split("?", 1)[0]
    try:
        rel = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise FetchRefused(url, "invalid percent-encoding") from None
    if not rel:
        raise FetchRefused(url, "empty path")
    if "\\" in rel or "\x00" in rel or any(ord(c) < 0x20 for c in rel):
        raise FetchRefused(url, "invalid characters in path")
    if rel.startswith("/") or re.match(r"^[a-zA-Z]:", rel):
        raise FetchRefused(url, "absolute paths are not allowed")
    parts = PurePosixPath(rel).parts
    if any(part in ("..", ".") or part.startswith(".") for part in parts):
        raise FetchRefused(url, "path traversal / hidden files are not allowed")
    if len(parts) < 2 or parts[0] not in ASSET_SUBDIRS:
        raise FetchRefused(url, f"only files under {', '.join(ASSET_SUBDIRS)} are served")
    root = ASSET_ROOT.resolve()
    base = (root / parts[0]).resolve()
    if not base.is_relative_to(root):
        raise FetchRefused(url, "asset directory resolves outside the package")
    try:
        # resolve() follows symlinks: a link pointing outside `base` is caught below.
        target = (root / Path(*parts)).resolve(strict=True)
    except (OSError, RuntimeError):
        raise FetchRefused(url, "no such asset") from None
    if not target.is_relative_to(base) or not target.is_file():
        raise FetchRefused(url, "resolves outside the asset directory or not a file")
    return target


def _asset_response(url: str) -> URLFetcherResponse:
    path = asset_path(url)
    content_type = _CONTENT_TYPES.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    return URLFetcherResponse(
        url, body=path.read_bytes(), headers={"Content-Type": content_type})


class SafeURLFetcher(URLFetcher):
    """WeasyPrint URL fetcher serving only report assets and ``data:`` URLs.

    Pass an instance as ``url_fetcher=`` to ``weasyprint.HTML`` *and* to every
    ``weasyprint.CSS`` (a ``CSS`` without one uses WeasyPrint's permissive
    default fetcher).
    """

    def __init__(self, timeout: float = 10, ssl_context: ssl.SSLContext | None = None,
                 *, fail_on_errors: bool = False, **kwargs: Any) -> None:
        # Defence in depth: even the parent fetcher may only open data: URLs,
        # and never follows redirects.
        kwargs.pop("allowed_protocols", None)
        kwargs.pop("allow_redirects", None)
        super().__init__(
            timeout=timeout, ssl_context=ssl_context, allowed_protocols=("data",),
            allow_redirects=False, fail_on_errors=fail_on_errors, **kwargs)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        match = _SCHEME_RE.match(url)
        scheme = match[1].lower() if match else ""
        if scheme == ASSET_SCHEME:
            return _asset_response(url)
        if scheme == "data":
            return super().fetch(url, headers)
        raise FetchRefused(url, f"only {ASSET_SCHEME}: and data: URLs are allowed")


def safe_url_fetcher(url: str, timeout: float = 10,
                     ssl_context: ssl.SSLContext | None = None) -> URLFetcherResponse:
    """Fetch `url` like :class:`SafeURLFetcher`; raise :class:`FetchRefused` otherwise."""
    return SafeURLFetcher(timeout=timeout, ssl_context=ssl_context).fetch(url)


# WeasyPrint 70's urls.fetch() reads `url_fetcher._fail_on_errors` when a fetch
# raises; without it a refused URL would crash rendering with AttributeError.
safe_url_fetcher._fail_on_errors = False  # type: ignore[attr-defined]
