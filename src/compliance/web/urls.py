"""Every URL of the portal.  tests/test_portal_tenants.py tries each of them as other tenants and
fails when a pattern here is not in its list."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from compliance.web import supervise, views

handler400 = "compliance.web.errors.bad_request"
handler403 = "compliance.web.errors.forbidden"
handler404 = "compliance.web.errors.not_found"
handler500 = "compliance.web.errors.server_error"

admin.site.site_header = admin.site.site_title = "compliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("language/", views.choose_language, name="language"),
    path("hospital/", views.hospital, name="hospital"),
    path("hospital/template.xlsx", views.template, name="template"),
    path("uploads/", views.upload, name="uploads"),
    path("uploads/<str:token>/", views.upload_page, name="upload"),
    path("uploads/<str:token>/<str:kind>", views.download, name="download"),
    path("supervisor/", supervise.dashboard, name="dashboard"),
    path("supervisor/hospitals/<str:code>/", supervise.institution, name="institution"),
    path("supervisor/waivers/", supervise.waivers, name="waivers"),
    path("supervisor/audits/", supervise.audits, name="audits"),
    path("supervisor/audits/<str:token>/", supervise.audit, name="audit"),
    path("supervisor/audits/<str:token>/files/<path:name>", supervise.audit_file, name="audit_file"),
    path("admin/", admin.site.urls),
]
