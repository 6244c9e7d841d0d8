"""Who is asking: every view names the roles it serves, and gets the session's tenant and the
portal.  Anyone else gets the login page (not logged in) or a plain "not found" (logged in as
another role, or asking for another tenant's object), so a URL tells nothing about what exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from compliance.store.accounts import Role
from compliance.store.portal import log_event, tenant_of
from compliance.web.portal import Portal

View = Callable[..., HttpResponse]


def portal() -> Portal:
    found = settings.COMPLIANCE_PORTAL
    if found is None:
        raise RuntimeError("the portal is not prepared (compliance.web.server.prepare)")
    return found


def address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def record(request: HttpRequest, action: str, outcome: str = "ok", target: str = "", **details: Any) -> None:
    """An entry in the portal's access log."""
    username = request.user.get_username() if request.user.is_authenticated else str(details.pop("username", ""))
    log_event(username, action, outcome, target, address(request), details, portal().config.store_url)


def with_intake(inner: View) -> View:
    """A view whose file parts stream through the intake handler (size, name and signature checked
    as they arrive) before its CSRF token is checked: Django's CSRF check would otherwise parse the
    body first, with handlers of its own.  `inner(request, handler)` runs CSRF-protected; whatever
    the outcome (a form refused for its token included), no accepted file it did not take is kept."""
    from compliance.web.intake import IntakeHandler

    protected = csrf_protect(inner)

    @wraps(inner)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        handler = IntakeHandler(portal().uploads, portal().config.max_upload, request)
        request.upload_handlers = [handler]
        try:
            return protected(request, handler, *args, **kwargs)
        finally:
            handler.discard_unchecked()

    return csrf_exempt(view)


def for_roles(*roles: Role) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(f"{settings.LOGIN_URL}?next={request.path}")
            tenant = tenant_of(request.user)
            if tenant is None or tenant.role not in roles:
                raise Http404()
            request.tenant = tenant  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
