"""The portal as a Django app: its admin pages and its access log of logins."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from compliance.web.access import record

    record(request, "login")


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from compliance.store.portal import log_event
    from compliance.web.access import address, portal

    if user is not None:
        log_event(user.get_username(), "logout", "ok", "", address(request), {}, portal().config.store_url)


def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    from compliance.store.portal import log_event
    from compliance.web.access import address, portal

    if request is not None and getattr(request, "path", "") and _serving():
        log_event(str(credentials.get("username", ""))[:150], "login", "refused", "", address(request), {},
                  portal().config.store_url)


def _serving() -> bool:
    from django.conf import settings

    return settings.COMPLIANCE_PORTAL is not None


class WebConfig(AppConfig):
    name = "compliance.web"
    label = "compliance_web"
    verbose_name = "compliance portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import (
            user_logged_in,
            user_logged_out,
            user_login_failed,
        )

        user_logged_in.connect(_logged_in, dispatch_uid="compliance-login")
        user_logged_out.connect(_logged_out, dispatch_uid="compliance-logout")
        user_login_failed.connect(_login_failed, dispatch_uid="compliance-login-failed")
