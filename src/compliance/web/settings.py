"""Django's settings for the whole tool: the history store and the portal.

Django's settings are process-global and set once (:func:`compliance.store.setup.configure`), so
the command line and the portal share one configuration; what only a serving portal needs (its
secret key, its store, its data folder) is set by :func:`compliance.web.server.prepare` before
the first request, and by the tests with ``override_settings``.  Until then the portal's
database router sends nothing anywhere: the command line names its store on every query.
"""

from __future__ import annotations

import secrets
from typing import Any

#: What a portal's login sessions last: one working day, and until the browser closes.
SESSION_SECONDS = 8 * 3600
#: Failed logins of one user name from one address before it is locked out, and for how long (hours).
LOGIN_FAILURES = 5
LOCKOUT_HOURS = 1
#: The largest upload the portal takes (bytes); `compliance serve --max-upload-mb` changes it.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def django_settings() -> dict[str, Any]:
    return {
        "DATABASES": {"default": {"ENGINE": "django.db.backends.dummy"}},  # never connects; see store.setup
        "DATABASE_ROUTERS": ["compliance.store.routing.PortalRouter"],
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.admin",
            "django.contrib.staticfiles",
            "axes",
            "compliance.store.apps.StoreConfig",
            "compliance.web.apps.WebConfig",
        ],
        # Argon2 for new passwords (argon2-cffi); the others only read hashes made elsewhere
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.Argon2PasswordHasher",
                             "django.contrib.auth.hashers.PBKDF2PasswordHasher"],
        "AUTHENTICATION_BACKENDS": ["axes.backends.AxesStandaloneBackend",
                                    "django.contrib.auth.backends.ModelBackend"],
        "USE_TZ": True,
        "TIME_ZONE": "Asia/Shanghai",
        "USE_I18N": True,
        "LANGUAGE_CODE": "zh-hans",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "MIGRATION_MODULES": {"compliance_store": "compliance.store.migrations"},
        "LOGGING_CONFIG": None,  # leave the tool's logging alone; `compliance serve` sets its own
        # a process-local key until a portal sets its own (nothing the command line does signs anything)
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": False,
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]", "testserver"],
        "ROOT_URLCONF": "compliance.web.urls",
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "compliance.web.middleware.security_headers",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "axes.middleware.AxesMiddleware",
        ],
        "TEMPLATES": [
            {"BACKEND": "django.template.backends.jinja2.Jinja2", "APP_DIRS": False,
             "DIRS": [_folder("templates")],
             "OPTIONS": {"environment": "compliance.web.pages.environment", "autoescape": True}},
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
             "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                "django.contrib.auth.context_processors.auth",
                                                "django.contrib.messages.context_processors.messages"]}},
        ],
        # the portal's stylesheet and the admin's, served from the package by WhiteNoise (no collectstatic)
        "STATIC_URL": "/static/",
        "STATICFILES_DIRS": [_folder("static")],
        "WHITENOISE_USE_FINDERS": True,
        "WHITENOISE_AUTOREFRESH": False,
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "SESSION_COOKIE_AGE": SESSION_SECONDS,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "compliance_session",
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Strict",
        "CSRF_FAILURE_VIEW": "compliance.web.errors.csrf_failure",
        "LOGIN_URL": "/login/",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        # The upload view streams the body itself (compliance.web.uploads); Django keeps none of it in memory
        "FILE_UPLOAD_MAX_MEMORY_SIZE": 0,
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 64 * 1024,
        "DATA_UPLOAD_MAX_NUMBER_FIELDS": 200,
        "AXES_FAILURE_LIMIT": LOGIN_FAILURES,
        "AXES_COOLOFF_TIME": LOCKOUT_HOURS,
        "AXES_LOCKOUT_PARAMETERS": [["username", "ip_address"]],
        "AXES_RESET_ON_SUCCESS": True,
        "AXES_LOCKOUT_CALLABLE": "compliance.web.errors.locked_out",
        "AXES_VERBOSE": False,
        # the portal's own settings (compliance.web.server.prepare): its store, data folder and options
        "COMPLIANCE_PORTAL": None,
    }


def _folder(name: str) -> str:
    from pathlib import Path

    return str(Path(__file__).with_name(name))


