"""A run's manifest: which files in an output folder belong together, and what they were made from.

Written last, after every other output is in place, so a folder whose ``manifest.json`` is
missing is one whose run has not finished (or was killed); a run removes the previous manifest
before it writes anything.  The manifest holds the run (id, start, catalog digest, profile,
as-of date), when it finished, every input file with its SHA-256 and outcome, every output with
its size and SHA-256 (and its subject), and the output names that had to be told apart.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compliance import __version__
from compliance.outputs.folder import WrittenFile
from compliance.outputs.names import NameCollision
from compliance.results.identity import Subject
from compliance.results.run import CheckResult

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "compliance-run-manifest"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class PlannedOutput:
    """One file a run writes: its name, what it is, and whose it is (None: the whole run's)."""

    name: str
    kind: str  # "gap_workbook", "inspection_report" or "inspection_notice"
    subject: Subject | None = None


def _subject(subject: Subject) -> dict[str, str]:
    return {"code": subject.code, "name": subject.name, "period": subject.period.label, "level": subject.level}


def manifest_bytes(result: CheckResult, outputs: Sequence[tuple[PlannedOutput, WrittenFile]],
                   collisions: Sequence[NameCollision], options: dict[str, Any],
                   finished: dt.datetime | None = None) -> bytes:
    """The manifest of a run that wrote `outputs` (strict JSON, UTF-8)."""
    run = result.run
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "tool": {"name": "compliance", "version": __version__},
        "run": {"id": run.id, "started": run.started.isoformat(), "catalog_digest": run.catalog_digest,
                "profile": run.profile, "as_of": run.as_of.isoformat() if run.as_of else None,
                "started_by": run.started_by,
                **({"audit_period": run.audit_period.label} if run.audit_period else {}), **options},
        # an audit's manifest follows from its run alone (a rerun writes it again byte for byte); its log has the times
        **({} if run.audit_period else {"finished": (finished or dt.datetime.now(dt.UTC)).isoformat()}),
        "inputs": [{"path": outcome.file.path, "sha256": outcome.file.sha256, "outcome": outcome.status.value,
                    **({"set_aside": [{"code": ref.institution, "period": ref.period} for ref in outcome.other_period]}
                       if outcome.other_period else {})}
                   for outcome in result.outcomes],
        "outputs": [{"name": planned.name, "kind": planned.kind, "bytes": written.size, "sha256": written.sha256,
                     "subject": _subject(planned.subject) if planned.subject else None}
                    for planned, written in outputs],
        "name_collisions": [{"name": collision.plain, "names": list(collision.names),
                             "subjects": [_subject(subject) for subject in collision.subjects]}
                            for collision in collisions],
    }
    return (json.dumps(document, ensure_ascii=False, allow_nan=False, indent=2) + "\n").encode("utf-8")
