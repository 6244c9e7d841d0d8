"""The Django admin for administrators: users with their binding, the uploads, audits and the access log."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from compliance.store import models


class AccountInline(admin.StackedInline):
    model = models.Account
    can_delete = False
    extra = 0


class AccountUserAdmin(UserAdmin):
    inlines = [AccountInline]
    list_display = ("username", "is_active", "is_staff", "last_login")


admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)


@admin.register(models.PortalEvent)
class PortalEventAdmin(admin.ModelAdmin):
    list_display = ("when", "username", "action", "outcome", "target", "address")
    list_filter = ("action", "outcome")
    search_fields = ("username", "target")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(models.Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("received", "institution_code", "original_name", "period", "state", "worst")
    list_filter = ("state", "period")
    readonly_fields = [field.name for field in models.Upload._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False  # uploads come through the portal


@admin.register(models.AuditJob)
class AuditJobAdmin(admin.ModelAdmin):
    list_display = ("started", "jurisdiction_code", "profile", "period", "state")
    readonly_fields = [field.name for field in models.AuditJob._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False  # audits are started from the portal or `compliance audit`
