"""The portal's pages for everyone and for hospital users: log in and out, the language, the
hospital's home (template, upload, its submissions and their trend), an upload's result and its
files.  Every page goes through :func:`compliance.web.access.for_roles`; every read of stored data
through :mod:`compliance.store.portal` with the session's tenant."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from compliance.store import portal as store
from compliance.store.accounts import Role
from compliance.web.access import for_roles, portal, record, with_intake
from compliance.web.intake import IntakeHandler
from compliance.web.pages import LANG_KEY, language, render
from compliance.web.processing import check_upload, result_file, upload_file
from compliance.web.uploads import Refused
from compliance.wording.catalogue import LANGUAGES

HOME_OF_ROLE = MappingProxyType({Role.HOSPITAL: "hospital", Role.SUPERVISOR: "dashboard", Role.ADMIN: "admin:index"})
#: The files of a checked upload, by the name's end (see compliance.report.planned_outputs)
DOWNLOADS = MappingProxyType({"report": "-inspection-report.pdf", "notice": "-inspection-notice.pdf",
                              "workbook": "gap-report.xlsx"})
CONTENT_TYPES = MappingProxyType({".pdf": "application/pdf",
                                  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def login(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            django_login(request, form.get_user())
            target = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = reverse("home")
            return HttpResponseRedirect(target)
        return render(request, "web/login.html", status=200, form=form, failed=True,
                      next=request.POST.get("next", ""))
    return render(request, "web/login.html", form=form, failed=False, next=request.GET.get("next", ""))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    django_logout(request)
    return redirect("login")


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("lang", "")
    if chosen in LANGUAGES:
        request.session[LANG_KEY] = chosen
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


@for_roles(Role.HOSPITAL, Role.SUPERVISOR, Role.ADMIN)
def home(request: HttpRequest) -> HttpResponse:
    return redirect(HOME_OF_ROLE[request.tenant.role])  # type: ignore[attr-defined]


@require_GET
@for_roles(Role.HOSPITAL)
def hospital(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    url = portal().config.store_url
    uploads = store.uploads(tenant, url=url)
    trend = store.institution_trend(tenant, tenant.institution_code, url=url)
    name = next((upload.name for upload in uploads if upload.name), "")
    return render(request, "web/hospital.html", uploads=uploads, trend=trend, name=name, titles=rule_titles(),
                  profile=portal().config.profile, max_mb=portal().config.max_upload // (1024 * 1024))


@require_GET
@for_roles(Role.HOSPITAL)
def template(request: HttpRequest) -> HttpResponse:
    """The blank self-assessment workbook of the portal's profile, the institution's code (and,
    from its latest checked upload, its name and attributes) already filled in."""
    from compliance.ingest.template import build_template
    from compliance.pipeline.check import get_profile
    from compliance.report.excel import workbook_bytes

    tenant = request.tenant  # type: ignore[attr-defined]
    catalog = portal().catalog()
    known = {"institution_code": tenant.institution_code}
    latest = next((u for u in store.uploads(tenant, url=portal().config.store_url) if u.state == "checked"), None)
    if latest is not None:
        known.update({key: value for key, value in latest.identity.items() if key != "institution_code"})
    import datetime as dt

    workbook = build_template(catalog, get_profile(catalog, portal().config.profile), "hospital", known)
    data = workbook_bytes(workbook, dt.datetime.now(dt.UTC))
    record(request, "download", target="template", profile=portal().config.profile)
    name = f"{tenant.institution_code}-self-assessment.xlsx"
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=CONTENT_TYPES[".xlsx"])


@for_roles(Role.HOSPITAL)
@with_intake
def upload(request: HttpRequest, handler: IntakeHandler) -> HttpResponse:
    if request.method != "POST":
        raise Http404()
    tenant = request.tenant  # type: ignore[attr-defined]
    request.POST  # noqa: B018 - parse the body: the files go through the handler
    results = []
    for taken in handler.taken:
        if isinstance(taken, Refused):
            record(request, "upload", "refused", taken.original_name, reason=taken.refusal.value)
            results.append(("refused", taken))
            continue
        info = check_upload(portal(), tenant, request.user.get_username(), taken)
        record(request, "upload", "ok" if info.state == "checked" else info.state, info.token,
               file=info.original_name, sha256=info.sha256, reason=info.reason)
        results.append(("stored", info))
    stored = [item for kind, item in results if kind == "stored"]
    if len(results) == 1 and stored:
        return redirect("upload", token=stored[0].token)
    status = 200 if stored else 400
    return render(request, "web/uploaded.html", status=status, results=results,
                  max_mb=portal().config.max_upload // (1024 * 1024))


def rule_titles() -> dict[str, str]:
    return {rule.id: rule.title for rule in portal().catalog().rules}


def result_of(token: str, lang: str) -> dict[str, Any]:
    path = result_file(portal(), token, lang)
    if not path.is_file():
        return {"findings": [], "data_problems": [], "files": []}
    return json.loads(path.read_text(encoding="utf-8"))


ORDER = ("error", "fail", "missing_data", "warn", "not_due", "waived", "pass", "not_applicable")


@require_GET
@for_roles(Role.HOSPITAL, Role.SUPERVISOR, Role.ADMIN)
def upload_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        info = store.upload(request.tenant, token, portal().config.store_url)  # type: ignore[attr-defined]
    except store.NotFound:
        raise Http404() from None
    result = result_of(info.token, language(request))
    shown = result["findings"] if info.state == "checked" else []  # a refused file's findings are no one's
    findings = sorted(shown, key=lambda f: (ORDER.index(f["status"]) if f["status"] in ORDER else 0,
                                                         f["rule_id"]))
    refusals = [file["refusal"] for file in result.get("files", []) if file.get("refusal")]
    return render(request, "web/upload.html", upload=info, findings=findings, problems=result["data_problems"],
                  refusals=refusals, downloads=_downloads(info) if info.state == "checked" else [])


def _downloads(info: store.UploadInfo) -> list[str]:
    folder = portal().reports / info.token
    names = os.listdir(folder) if folder.is_dir() else []
    return [kind for kind, suffix in DOWNLOADS.items() if any(name.endswith(suffix) for name in names)]


def open_private(path: Path) -> Any:
    """`path` opened for reading without following a link (the portal made every file it serves)."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)), "rb")


@require_GET
@for_roles(Role.HOSPITAL, Role.SUPERVISOR, Role.ADMIN)
def download(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    try:
        info = store.upload(request.tenant, token, portal().config.store_url)  # type: ignore[attr-defined]
    except store.NotFound:
        raise Http404() from None
    if kind == "original":
        path = upload_file(portal(), info.stored_name)
        shown = info.original_name
    elif kind in DOWNLOADS and info.state == "checked":
        folder = portal().reports / info.token
        found = sorted(name for name in os.listdir(folder) if name.endswith(DOWNLOADS[kind]))
        if not found:
            raise Http404()
        path = folder / found[0]
        shown = f"{info.institution_code}-{info.period}{DOWNLOADS[kind]}" if kind != "workbook" else \
            f"{info.institution_code}-{info.period}-gap-report.xlsx"
    else:
        raise Http404()
    try:
        handle = open_private(path)
    except OSError:
        raise Http404() from None
    record(request, "download", target=token, kind=kind)
    return FileResponse(handle, as_attachment=True, filename=shown,
                        content_type=CONTENT_TYPES.get(Path(shown).suffix, "application/octet-stream"))
