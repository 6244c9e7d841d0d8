"""What the portal does with an accepted workbook: check it through the shared worker pool (never
in the request's thread: the rule engine's host is process-wide), refuse it when it is not the
user's own institution's, write its reports and its result, and record it in the store."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from pathlib import Path

from compliance.cli.output import findings_json
from compliance.evaluation.earlier import wanted_earlier
from compliance.outputs import write_file
from compliance.pipeline.check import check_submissions, get_profile
from compliance.pipeline.read import read_batch
from compliance.report import write_reports
from compliance.results.run import CheckResult, Run
from compliance.store import api
from compliance.store.accounts import AccountInfo
from compliance.store.portal import NewUpload, UploadInfo, new_token, record_upload
from compliance.web.portal import Portal
from compliance.web.uploads import Upload
from compliance.wording.catalogue import LANGUAGES

LOG = logging.getLogger("compliance.web")


class Rejection(enum.StrEnum):
    """Why a file that was taken in and read is not the user's submission (the portal words it)."""

    UNREADABLE = "upload_unreadable"
    NOT_HOSPITAL = "upload_not_hospital"
    OTHER_INSTITUTION = "upload_other_institution"
    SEVERAL_PERIODS = "upload_several_periods"
    FAILED = "upload_failed"
RESULT_NAME = "result.{lang}.json"


def _refusal(result: CheckResult, tenant: AccountInfo) -> tuple[Rejection | None, dict[str, str]]:
    """Why a checked file is not taken as the tenant's submission ('' when it is)."""
    if result.refused or not result.subjects:
        return Rejection.UNREADABLE, {}
    levels = {subject.subject.level for subject in result.subjects}
    if levels != {"hospital"}:
        return Rejection.NOT_HOSPITAL, {}
    codes = sorted({subject.subject.code for subject in result.subjects})
    if codes != [tenant.institution_code]:
        return Rejection.OTHER_INSTITUTION, {"found": ", ".join(codes), "expected": tenant.institution_code}
    periods = sorted({subject.subject.period.label for subject in result.subjects})
    if len(periods) > 1:
        return Rejection.SEVERAL_PERIODS, {"found": ", ".join(periods)}
    return None, {}


def check_upload(portal: Portal, tenant: AccountInfo, username: str, accepted: Upload) -> UploadInfo:
    """Check one accepted upload of `tenant` and record it; its stored description."""
    url = portal.config.store_url
    catalog = portal.catalog()
    profile = get_profile(catalog, portal.config.profile)
    token = new_token()
    received = dt.datetime.now(dt.UTC)
    folder = portal.reports / token
    accepted = _kept(portal, token, accepted)
    base = {"token": token, "original_name": accepted.original_name,
            "stored_name": f"{token}/{accepted.path.name}",
            "sha256": accepted.sha256, "size": accepted.size, "received": received, "profile": profile.name}
    try:
        run = Run.new(catalog.digest, profile.name, profile.title, None, f"portal {username}")
        batch = read_batch([accepted.path], catalog, executor=portal.pool)
        stored = api.earlier_submissions(wanted_earlier(list(batch.submissions), catalog.fields), url)
        result = check_submissions(catalog, profile, batch, run, executor=portal.pool, stored=stored)
        folder.mkdir(mode=0o700)
        for lang in LANGUAGES:
            write_file(folder / RESULT_NAME.format(lang=lang), findings_json(result, lang).encode())
        reason, details = _refusal(result, tenant)
        if reason is not None:
            return record_upload(tenant, username, NewUpload(**base, state="refused", reason=reason.value,
                                                             details=details),
                                 url)
        write_reports(result, catalog, folder, lang="zh", pdf="both", executor=portal.pool)
        return record_upload(tenant, username, NewUpload(**base, state="checked", result=result), url)
    except Exception as exc:
        LOG.exception("upload %s (%s) of %s failed", token, accepted.original_name, username)
        return record_upload(tenant, username, NewUpload(**base, state="failed", reason=Rejection.FAILED.value,
                                                         details={"kind": type(exc).__name__}), url)


def _kept(portal: Portal, token: str, accepted: Upload) -> Upload:
    """The upload moved to a folder of its own under the name the user gave (a checked plain name),
    so every message about it names the file as the user knows it."""
    from dataclasses import replace

    own = portal.uploads / token
    own.mkdir(mode=0o700)
    target = own / accepted.original_name
    accepted.path.rename(target)
    return replace(accepted, path=target)


def upload_file(portal: Portal, stored_name: str) -> Path:
    return portal.uploads / stored_name


def result_file(portal: Portal, token: str, lang: str) -> Path:
    return portal.reports / token / RESULT_NAME.format(lang=lang)
