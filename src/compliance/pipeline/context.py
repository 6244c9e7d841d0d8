"""Per-worker context: what a stage's tasks share within one worker, built when the worker starts.

A :class:`WorkerSetup` is the explicit, picklable payload a worker is started with (the catalog,
and whether the worker owns its process); a :class:`WorkerContext` holds what is derived from it
and reused task after task: the reader's layout, the compiled rules of each profile, and the PDF
documents' caches (template environment, fonts, parsed stylesheets, images, charts).  A process
pool builds one per worker process; the in-process executor builds one per run, so two runs in
two threads of a server share nothing but the engine module's process-wide host.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from compliance.rules.spec import Catalog, Profile, Rule

if TYPE_CHECKING:
    from compliance.evaluation.engine import CompiledRules
    from compliance.ingest.reader import ReaderLayout
    from compliance.report.render import DocumentCaches
    from compliance.results.identity import Subject


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker is started with.  ``owns_process``: the worker is a process of its own (a pool
    worker, or the command line's single process), so it may tune the garbage collector."""

    catalog: Catalog
    owns_process: bool = False


@dataclass
class WorkerContext:
    """Caches of one worker; never shared between workers, runs or threads."""

    setup: WorkerSetup
    _compiled: dict[tuple[str, ...], CompiledRules] = field(default_factory=dict, repr=False)
    _profile_rules: dict[Profile, tuple[Rule, ...]] = field(default_factory=dict, repr=False)
    _profile_compiled: dict[Profile, CompiledRules] = field(default_factory=dict, repr=False)
    _subject_rules: dict[tuple[Profile, str, str | None, str | None], tuple[Rule, ...]] = field(
        default_factory=dict, repr=False)

    @property
    def catalog(self) -> Catalog:
        return self.setup.catalog

    @cached_property
    def reader_layout(self) -> ReaderLayout:
        from compliance.ingest.reader import ReaderLayout

        return ReaderLayout.of(self.catalog)

    @cached_property
    def documents(self) -> DocumentCaches:
        from compliance.report.render import DocumentCaches

        return DocumentCaches(owns_process=self.setup.owns_process)

    def rules_for(self, profile: Profile) -> tuple[Rule, ...]:
        """The catalog's rules of `profile` (chosen once per context)."""
        if profile not in self._profile_rules:
            self._profile_rules[profile] = self.catalog.rules_for(profile)
        return self._profile_rules[profile]

    def rules_for_subject(self, profile: Profile, subject: Subject) -> tuple[Rule, ...]:
        """The rules of `profile` that judge `subject`'s level (and jurisdiction, for a profile by
        jurisdiction): chosen once per context for each level and place."""
        from compliance.evaluation.evaluate import rules_for_subject

        place = (subject.province, subject.city) if profile.by_jurisdiction else (None, None)
        key = (profile, subject.level, *place)
        if key not in self._subject_rules:
            self._subject_rules[key] = tuple(rules_for_subject(self.rules_for(profile), profile, subject))
        return self._subject_rules[key]

    def compiled_for(self, profile: Profile) -> CompiledRules:
        """The engine's compiled criteria of `profile`'s rules."""
        if profile not in self._profile_compiled:
            self._profile_compiled[profile] = self.compiled(tuple(rule.id for rule in self.rules_for(profile)))
        return self._profile_compiled[profile]

    def compiled(self, rule_ids: tuple[str, ...]) -> CompiledRules:
        """The engine's compiled criteria of these rules (compiled once per context)."""
        if rule_ids not in self._compiled:
            from compliance.evaluation.evaluate import compile_rules

            by_id = {rule.id: rule for rule in self.catalog.rules}
            self._compiled[rule_ids] = compile_rules([by_id[rule_id] for rule_id in rule_ids])
        return self._compiled[rule_ids]


def start_worker_process(setup: WorkerSetup) -> WorkerContext:
    """What a pool worker process does first: freeze what it inherited out of the collector's way
    (a forked worker would otherwise copy every inherited page on each full collection)."""
    if setup.owns_process:
        gc.freeze()
    return WorkerContext(setup)
