"""Rule kinds, registered by the YAML ``kind`` name: one parser and one evaluator each.

``parse`` turns a rule's ``measure:`` into the kind's typed spec; ``prepare`` reads what the rule
needs from a submission and returns the facts for the engine (or a finished finding, e.g. for a
zero denominator); ``conclude`` turns the engine's verdicts into the finding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from compliance.evaluation.engine import Criterion
from compliance.rules.kinds import (
    approx,
    boolean,
    common,
    deadline,
    growth,
    item_table,
    scalar,
    threshold,
    units,
    yoy,
)
from compliance.rules.spec import Rule


@dataclass(frozen=True)
class RuleKind:
    name: str
    description: str
    parse: Callable[..., Any]
    prepare: Callable[..., Any]
    conclude: Callable[..., Any]
    criteria: Callable[[Rule], list[Criterion]] = common.criteria


KINDS: Mapping[str, RuleKind] = MappingProxyType({
    kind.name: kind
    for kind in (
        RuleKind(threshold.NAME, threshold.DESCRIPTION, threshold.parse, threshold.prepare, scalar.conclude),
        RuleKind(growth.NAME, growth.DESCRIPTION, growth.parse, growth.prepare, scalar.conclude),
        RuleKind(item_table.NAME, item_table.DESCRIPTION, item_table.parse, item_table.prepare, item_table.conclude),
        RuleKind(approx.NAME, approx.DESCRIPTION, approx.parse, approx.prepare, scalar.conclude),
        RuleKind(yoy.INCREASE, yoy.DESCRIPTION_INCREASE, yoy.parse_increase, yoy.prepare, scalar.conclude),
        RuleKind(yoy.DECREASE, yoy.DESCRIPTION_DECREASE, yoy.parse_decrease, yoy.prepare, scalar.conclude),
        RuleKind(boolean.NAME, boolean.DESCRIPTION, boolean.parse, boolean.prepare, boolean.conclude),
        RuleKind(deadline.NAME, deadline.DESCRIPTION, deadline.parse, deadline.prepare, deadline.conclude),
        RuleKind(units.ALL, units.DESCRIPTION_ALL, units.parse_all, units.prepare, units.conclude),
        RuleKind(units.SHARE, units.DESCRIPTION_SHARE, units.parse_share, units.prepare, units.conclude,
                 criteria=units.criteria),
    )
})
