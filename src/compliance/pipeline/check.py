"""The library entry point behind ``compliance check``: read files, evaluate, return results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from compliance.errors import ConfigError
from compliance.evaluation.evaluate import CheckResult, check_submissions
from compliance.ingest.batch import read_batch
from compliance.ingest.reader import require_defusedxml
from compliance.paths import project_home
from compliance.results.status import SATISFIED, ExitCode
from compliance.rules.loader import load_catalog
from compliance.rules.spec import Catalog, Profile

DEFAULT_PROFILE = "headline"


def load_default_catalog(home: Path | None = None) -> Catalog:
    root = home or project_home()
    return load_catalog(root / "rules", root / "checks")


def get_profile(catalog: Catalog, name: str) -> Profile:
    try:
        return catalog.profiles[name]
    except KeyError:
        known = ", ".join(sorted(catalog.profiles)) or "none"
        raise ConfigError(f"unknown profile {name!r}; known profiles: {known}") from None


def run_check(catalog: Catalog, profile: Profile, paths: Iterable[Path], as_of: dt.date | None = None,
              workers: int | None = None) -> CheckResult:
    """Check every file; a file that cannot be read is recorded as refused and the rest go on."""
    require_defusedxml()
    result = CheckResult(profile=profile, as_of=as_of)
    batch = read_batch(paths, catalog, workers)
    result.outcomes.extend(batch.outcomes)
    result.problems.extend(batch.problems)
    for subject in check_submissions(catalog, profile, batch.submissions, as_of):
        result.subjects.append(subject)
        result.problems.extend(subject.submission.problems)
    return result


def exit_code(result: CheckResult) -> ExitCode:
    """0 when every finding is satisfied, 1 when any is not, 2 when a file was refused or nothing was read."""
    if result.refused or not result.subjects:
        return ExitCode.USAGE_OR_INPUT_ERROR
    if all(f.status in SATISFIED for f in result.findings):
        return ExitCode.COMPLIANT
    return ExitCode.FINDINGS
