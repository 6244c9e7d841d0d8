"""The portal's database router: every model Django itself reads on a request (users, sessions,
login attempts, admin log) goes to the store the portal serves.  Without a serving portal it
routes nothing, and the command line names its store on every query."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def _portal_alias() -> str | None:
    portal = getattr(settings, "COMPLIANCE_PORTAL", None)
    return None if portal is None else portal.store_alias


class PortalRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return _portal_alias()

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return _portal_alias()

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool | None:
        return True
