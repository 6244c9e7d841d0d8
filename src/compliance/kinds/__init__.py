"""Rule kinds, registered by the YAML ``kind`` name: one parser and one evaluator each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import common, growth, item_table, scalar, threshold


@dataclass(frozen=True)
class RuleKind:
    name: str
    description: str
    parse: Callable[..., Any]
    prepare: Callable[..., Any]
    conclude: Callable[..., Any]
    fields_used: Callable[[Any], tuple[str, ...]]
    uses_table: bool = False
    criteria: Callable[[Any], list[Any]] = common.criteria


KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RuleKind(threshold.NAME, threshold.DESCRIPTION, threshold.parse, threshold.prepare,
                 scalar.conclude, threshold.fields_used),
        RuleKind(growth.NAME, growth.DESCRIPTION, growth.parse, growth.prepare, scalar.conclude,
                 growth.fields_used),
        RuleKind(item_table.NAME, item_table.DESCRIPTION, item_table.parse, item_table.prepare,
                 item_table.conclude, item_table.fields_used, uses_table=True),
    )
}
