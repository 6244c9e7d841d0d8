"""Rule kinds, registered by the YAML ``kind`` name: one parser and one evaluator each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class RuleKind:
    name: str
    description: str
    parse: Callable[..., Any]
    prepare: Callable[..., Any]
    conclude: Callable[..., Any]
    fields_used: Callable[[Any], tuple[str, ...]]
    tables_used: Callable[[Any], tuple[str, ...]] = common.no_tables
    criteria: Callable[[Any], list[Any]] = common.criteria


KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RuleKind(threshold.NAME, threshold.DESCRIPTION, threshold.parse, threshold.prepare,
                 scalar.conclude, threshold.fields_used),
        RuleKind(growth.NAME, growth.DESCRIPTION, growth.parse, growth.prepare, scalar.conclude,
                 growth.fields_used),
        RuleKind(item_table.NAME, item_table.DESCRIPTION, item_table.parse, item_table.prepare,
                 item_table.conclude, item_table.fields_used, item_table.tables_used),
        RuleKind(approx.NAME, approx.DESCRIPTION, approx.parse, approx.prepare, scalar.conclude, approx.fields_used),
        RuleKind(yoy.INCREASE, yoy.DESCRIPTION_INCREASE, yoy.parse_increase, yoy.prepare, scalar.conclude,
                 yoy.fields_used),
        RuleKind(yoy.DECREASE, yoy.DESCRIPTION_DECREASE, yoy.parse_decrease, yoy.prepare, scalar.conclude,
                 yoy.fields_used),
        RuleKind(boolean.NAME, boolean.DESCRIPTION, boolean.parse, boolean.prepare, boolean.conclude,
                 boolean.fields_used),
        RuleKind(deadline.NAME, deadline.DESCRIPTION, deadline.parse, deadline.prepare, deadline.conclude,
                 deadline.fields_used),
        RuleKind(units.ALL, units.DESCRIPTION_ALL, units.parse_all, units.prepare, units.conclude,
                 units.fields_used, units.tables_used),
        RuleKind(units.SHARE, units.DESCRIPTION_SHARE, units.parse_share, units.prepare, units.conclude,
                 units.fields_used, units.tables_used, criteria=units.criteria),
    )
}
