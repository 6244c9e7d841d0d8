"""The portal's pages: Jinja2 templates (autoescaped) whose words all come from the tool's one
message catalogue, in the language of the session (simplified Chinese unless the user chose English)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from jinja2 import Environment

from compliance.results.status import Status
from compliance.wording import catalogue
from compliance.wording.catalogue import status_label

LANG_KEY = "lang"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def language(request: HttpRequest) -> str:
    chosen = request.session.get(LANG_KEY) if hasattr(request, "session") else None
    return chosen if chosen in catalogue.LANGUAGES else catalogue.DEFAULT_LANGUAGE


def _local(when: dt.datetime | None) -> str:
    return "" if when is None else when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def environment(**options: Any) -> Environment:
    env = Environment(**options)
    env.globals.update(url=reverse, local=_local, size=_size)
    return env


def render(request: HttpRequest, template: str, status: int = 200, **context: Any) -> HttpResponse:
    lang = language(request)

    def t(key: str, **values: Any) -> str:
        return catalogue.text(key, lang, **values)

    def n(key: str, count: float, **values: Any) -> str:
        return catalogue.plural(key, count, lang, **values)

    def status_text(code: str) -> str:
        try:
            return status_label(Status(code), lang)
        except ValueError:
            return code

    tenant = getattr(request, "tenant", None)
    body = render_to_string(template, {"t": t, "n": n, "lang": lang, "status_text": status_text,
                                       "tenant": tenant, "request": request, **context}, request=request)
    return HttpResponse(body, status=status)
