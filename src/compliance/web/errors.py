"""What users see when something goes wrong: a page in their language with what to do, never a
stack trace (that goes to the portal's log with a reference the page shows)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse

from compliance.web.pages import render

LOG = logging.getLogger("compliance.web")


def _page(request: HttpRequest, status: int, key: str, **values: Any) -> HttpResponse:
    return render(request, "web/error.html", status=status, title_key=f"web.error.{key}.title",
                  body_key=f"web.error.{key}.body", values=values)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, "bad_request")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, "forbidden")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "not_found")


def server_error(request: HttpRequest) -> HttpResponse:
    reference = secrets.token_hex(4)
    LOG.error("internal error %s on %s %s", reference, request.method, request.path)
    return _page(request, 500, "server", reference=reference)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    LOG.warning("CSRF check failed on %s %s: %s", request.method, request.path, reason)
    return _page(request, 403, "csrf")


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    from compliance.web.settings import LOCKOUT_HOURS

    return _page(request, 429, "locked", hours=LOCKOUT_HOURS)
