"""The only module that touches durable-rules.

Rules are compiled to durable-rules rulesets that classify numeric facts as
meeting or missing a comparison, or as lacking data. Everything durable-rules
needs is confined here so that the engine can be swapped.

How the known traps of durable-rules are handled:

* Fact fields ``id`` and ``sid`` are the engine's own identity and session
  keys; a submitted field with either name would make rules loop or drop
  facts. Facts built here contain only the fixed keys below (``test_key``,
  ``state``, ``value``) plus a synthetic ``id`` and ``sid``: no submitted
  field name ever becomes a fact key.
* A rule never fires on a missing (None) value, so missing data is asserted
  explicitly as ``state: "missing"`` and has its own rule.
* A fact no rule matches raises ``MessageNotHandledException``; it is caught
  and reported as ``UNMATCHED`` so the caller can record an ``error`` finding.
* durable-rules keeps each fact (about 8.5 KB) until it is retracted and
  refuses new sessions after about a thousand live ones; every evaluation
  runs in fresh sessions of at most MAX_FACTS_PER_SESSION facts, whose state
  is deleted before returning, so memory stays flat over a batch and a
  region of thousands of hospitals never holds all its facts at once.
* The C engine's JSON parser rejects numbers written with an exponent
  (``1e-09``), which Python's ``json`` emits for small and large floats.
  Values and thresholds are therefore sent as whole numbers of millionths
  (exact to 1e-6 of the rule's unit, within +/- 9e9 units).
* The host is process-global and not proven thread-safe: one host per
  process, created lazily, without its background dispatch threads, and
  every call is serialised by a lock.
* A session costs time in proportion to the size of its ruleset (its state
  is created and deleted node by node): a ruleset of 300 criteria took
  about 140 microseconds per fact in sessions of three facts, one of a
  single criterion about 30.  Each criterion is therefore compiled into a
  ruleset of its own (shared by every compilation that holds it), and
  facts are asserted into the ruleset of their test, in sessions of their
  own.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import itertools
import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from durable.engine import Host, MessageNotHandledException, MessageObservedException

from compliance.errors import EngineError

_NEGATED = {">=": "<", "<=": ">", ">": "<=", "<": ">=", }
_DURABLE_OPERATOR = {">=": "$gte", "<=": "$lte", ">": "$gt", "<": "$lt"}


SCALE = 1_000_000
LIMIT = 9_000_000_000.0


def to_engine_number(value: float) -> int:
    """Scale to an integer the C parser accepts; EngineError when out of range."""
    if not math.isfinite(value) or abs(value) > LIMIT:
        raise EngineError(f"value {value!r} is outside the range the rule engine compares (|x| <= {LIMIT:.0f})")
    return round(value * SCALE)


class Verdict(str, enum.Enum):
    MET = "met"
    NOT_MET = "not_met"
    MISSING = "missing"
    UNMATCHED = "unmatched"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Criterion:
    """A comparison to classify: ``value <comparator> threshold`` (± tolerance for ==)."""

    key: str
    comparator: str
    threshold: float
    tolerance: float = 0.0


@dataclass(frozen=True)
class Fact:
    """A value to classify under the test named by ``test_key``; None means missing."""

    test_key: str
    value: float | None


@dataclass(frozen=True)
class CompiledRules:
    """Compiled criteria: the durable-rules ruleset of each test key."""

    rulesets: tuple[tuple[str, str], ...]  # (test key, ruleset name), in the order compiled

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.by_key)

    @cached_property
    def by_key(self) -> dict[str, str]:
        return dict(self.rulesets)


class _QuietHost(Host):
    """A durable-rules host without background dispatch threads.

    Actions run synchronously inside ``assert_fact``; the timer threads the
    stock host starts would race with them and are not needed.
    """

    def _run(self) -> None:
        return None


_lock = threading.RLock()
_host: _QuietHost | None = None
_registered: set[str] = set()  # ruleset names the host holds
_verdicts: dict[str, dict[str, Verdict]] = {}
_session_counter = itertools.count(1)


def _get_host() -> _QuietHost:
    global _host
    if _host is None:
        _host = _QuietHost()
    return _host


def _record(verdict: Verdict) -> Callable[[Any], None]:
    def action(closure: Any) -> None:
        _verdicts[closure.m.sid][closure.m.id] = verdict

    return action


def _value_condition(comparator: str, threshold: float) -> dict[str, Any]:
    return {_DURABLE_OPERATOR[comparator]: {"value": to_engine_number(threshold)}}


def _conditions(test: Criterion) -> tuple[dict[str, Any], dict[str, Any]]:
    """Conditions (met, not met) on facts that carry a value."""
    if test.comparator == "==":
        low = to_engine_number(test.threshold - test.tolerance)
        high = to_engine_number(test.threshold + test.tolerance)
        met = {"$and": [{"$gte": {"value": low}}, {"$lte": {"value": high}}]}
        not_met = {"$or": [{"$lt": {"value": low}}, {"$gt": {"value": high}}]}
        return met, not_met
    if test.comparator not in _NEGATED:
        raise EngineError(f"comparator {test.comparator!r} is not supported by the engine")
    return (
        _value_condition(test.comparator, test.threshold),
        _value_condition(_NEGATED[test.comparator], test.threshold),
    )


def _definition(test: Criterion) -> dict[str, Any]:
    met, not_met = _conditions(test)
    is_test = {"test_key": test.key}
    has_value = {"state": "value"}
    return {
        "t_met": {"all": [{"m": {"$and": [is_test, has_value, met]}}]},
        "t_not_met": {"all": [{"m": {"$and": [is_test, has_value, not_met]}}]},
        "t_missing": {"all": [{"m": {"$and": [is_test, {"state": "missing"}]}}]},
    }


def _ruleset(test: Criterion) -> str:
    """The name of the ruleset of one criterion, registered with the host on first use."""
    definition = _definition(test)
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    name = f"compliance_{digest[:24]}"
    with _lock:
        if name not in _registered:
            for rule_name, rule in definition.items():
                rule["run"] = _record({"t_met": Verdict.MET, "t_not_met": Verdict.NOT_MET,
                                       "t_missing": Verdict.MISSING}[rule_name])
            _get_host().set_rulesets({name: definition})
            _registered.add(name)
    return name


def compile_criteria(tests: Sequence[Criterion]) -> CompiledRules:
    """Compile comparisons: one durable-rules ruleset per criterion (cached by content)."""
    keys = [test.key for test in tests]
    if len(set(keys)) != len(keys):
        raise EngineError("test keys must be unique within one compilation")
    with _lock:
        return CompiledRules(tuple((test.key, _ruleset(test)) for test in tests))


#: Facts asserted in one session at most.  durable-rules holds every fact of a session (about
#: 8.5 KB each) until the session's state is deleted, so a province region's evaluation, one fact
#: per hospital and rule, would otherwise hold hundreds of MiB at once; its duplicate-fact check is
#: also unreliable in sessions of tens of thousands of facts.  Every criterion reads one fact, so
#: facts are independent and splitting them across sessions changes no verdict.
MAX_FACTS_PER_SESSION = 4096


def classify(compiled: CompiledRules, facts: Sequence[Fact]) -> list[Verdict]:
    """Classify every fact; facts for unknown tests come back UNMATCHED."""
    verdicts: list[Verdict] = [Verdict.UNMATCHED] * len(facts)
    by_ruleset: dict[str, list[int]] = {}
    rulesets = compiled.by_key
    for index, fact in enumerate(facts):
        name = rulesets.get(fact.test_key)
        if name is None:
            if fact.value is not None and _out_of_range(fact.value):
                verdicts[index] = Verdict.OUT_OF_RANGE
            continue
        by_ruleset.setdefault(name, []).append(index)
    for name, indexes in by_ruleset.items():
        for start in range(0, len(indexes), MAX_FACTS_PER_SESSION):
            chosen = indexes[start:start + MAX_FACTS_PER_SESSION]
            for index, verdict in zip(chosen, _classify_in_one_session(name, [facts[i] for i in chosen])):
                verdicts[index] = verdict
    return verdicts


def _out_of_range(value: float) -> bool:
    try:
        to_engine_number(value)
    except EngineError:
        return True
    return False


def _classify_in_one_session(ruleset: str, facts: Sequence[Fact]) -> list[Verdict]:
    with _lock:
        host = _get_host()
        sid = f"s{next(_session_counter)}"
        _verdicts[sid] = {}
        out_of_range: set[int] = set()
        try:
            for index, fact in enumerate(facts):
                payload: dict[str, Any] = {"sid": sid, "id": str(index), "test_key": fact.test_key}
                if fact.value is None:
                    payload["state"] = "missing"
                else:
                    try:
                        payload["value"] = to_engine_number(fact.value)
                    except EngineError:
                        out_of_range.add(index)
                        continue
                    payload["state"] = "value"
                try:
                    host.assert_fact(ruleset, payload)
                except MessageNotHandledException:
                    pass
                except MessageObservedException as exc:
                    raise EngineError(f"fact {payload['id']} was asserted twice in one session") from exc
            found = _verdicts[sid]
            return [
                Verdict.OUT_OF_RANGE if index in out_of_range else found.get(str(index), Verdict.UNMATCHED)
                for index in range(len(facts))
            ]
        finally:
            _verdicts.pop(sid, None)
            with contextlib.suppress(Exception):  # a session with no stored facts has no state
                host.delete_state(ruleset, sid)


def live_fact_count(compiled: CompiledRules, session: str) -> int:
    """Facts durable-rules still holds for a session (0 once deleted); for tests."""
    with _lock:
        live = 0
        for name in dict.fromkeys(name for _, name in compiled.rulesets):
            with contextlib.suppress(Exception):  # durable raises when the session has no state
                live += len(_get_host().get_facts(name, session))
        return live


def last_session() -> str:
    """The id of the most recent session, for tests that check cleanup."""
    with _lock:
        current = next(_session_counter)
        return f"s{current - 1}"
