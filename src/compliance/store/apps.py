"""The Django app of the history store."""

from __future__ import annotations

from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "compliance.store"
    label = "compliance_store"  # tables compliance_store_*: apart from any other app of the portal
    verbose_name = "Compliance history store"
    default_auto_field = "django.db.models.BigAutoField"
