"""Starting the portal: :func:`prepare` makes a :class:`Portal` and hands it to Django's settings;
:func:`serve` serves it with waitress (a production WSGI server, threads in one process; the
checks run in the portal's shared worker processes)."""

from __future__ import annotations

import logging
import logging.handlers
from typing import Any

from django.conf import settings

from compliance.store import api
from compliance.store.setup import configure
from compliance.web.portal import Portal, PortalConfig, read_secret_key


def prepare(config: PortalConfig) -> Portal:
    """The portal of `config`, its store migrated and up to date, Django set to serve it."""
    configure()
    api.require_up_to_date(config.store_url)
    portal = Portal(config)
    settings.SECRET_KEY = read_secret_key(config.data)
    settings.COMPLIANCE_PORTAL = portal
    if config.secure:
        settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
        settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    _logging(config)
    return portal


def _logging(config: PortalConfig) -> None:
    handler = logging.handlers.WatchedFileHandler(config.data / "logs" / "portal.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("django.request", "django.security", "compliance.web", "waitress"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO if name != "django.request" else logging.ERROR)


def application(portal: Portal) -> Any:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def serve(config: PortalConfig, host: str, port: int, threads: int = 8,
          ready: Any = None) -> None:
    """Serve until stopped (SIGINT or SIGTERM); `ready(server)` is called once it listens."""
    import waitress.server

    portal = prepare(config)
    server = waitress.server.create_server(application(portal), host=host, port=port, threads=threads,
                                           ident="compliance", max_request_body_size=config.max_upload * 21,
                                           clear_untrusted_proxy_headers=True)
    if ready is not None:
        ready(server)
    try:
        server.run()
    finally:
        portal.close()
