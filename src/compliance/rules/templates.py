"""Rule text that is a template (a rule's ``remediation``): checked when the pack loads, rendered
in a sandbox that allows nothing but substitution.

A template may write ``{{ name }}`` for one of :data:`TEMPLATE_NAMES` and ``{% if name %}…
{% elif name %}…{% else %}…{% endif %}`` on such a name; nothing else (no attributes, items,
calls, filters, tests, operators, literals, loops, assignments, macros or includes).  The loader
refuses any other construct with the rule's file and line (:func:`check_template`), so a template
that loaded renders every finding's values without an error; the sandbox refuses the same
constructs again when rendering, should a template reach it unchecked.
"""

from __future__ import annotations

import difflib
from typing import Any, NoReturn

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: The values a template is rendered with, all text (see ``compliance.wording.findings.remediation_values``).
TEMPLATE_NAMES = frozenset({
    "observed", "required", "gap", "gap_amount", "measure_name", "failing_items", "failing_count",
    "failing_details", "short_count", "deadline",
})

_CONSTRUCTS = (  # most specific first: Getattr is an Expr, Const a Literal
    (nodes.Getattr, "attribute access (x.y)"),
    (nodes.Getitem, "item access (x[...])"),
    (nodes.Slice, "item access (x[...])"),
    (nodes.Call, "a call (x(...))"),
    (nodes.Filter, "a filter (x | f)"),
    (nodes.FilterBlock, "a filter block ({% filter %})"),
    (nodes.Test, "a test (x is ...)"),
    (nodes.For, "a loop ({% for %})"),
    (nodes.Macro, "a macro ({% macro %})"),
    (nodes.CallBlock, "a call block ({% call %})"),
    (nodes.Import, "an import ({% import %})"),
    (nodes.FromImport, "an import ({% from ... import %})"),
    (nodes.Include, "an include ({% include %})"),
    (nodes.Extends, "template inheritance ({% extends %})"),
    (nodes.Block, "a block ({% block %})"),
    (nodes.Assign, "an assignment ({% set %})"),
    (nodes.AssignBlock, "an assignment ({% set %})"),
    (nodes.With, "a scope ({% with %})"),
    (nodes.ScopedEvalContextModifier, "a setting block ({% autoescape %})"),
    (nodes.Scope, "a setting block ({% autoescape %})"),
    (nodes.Literal, "a literal value"),
    (nodes.Expr, "an expression with operators"),
)
_FIX = ("write {{ name }} or {% if name %}...{% endif %}, name being one of: " + ", ".join(sorted(TEMPLATE_NAMES)))


class TemplateRejected(ValueError):
    """A template uses something rule text may not; ``line`` is the template's own line."""

    def __init__(self, problem: str, line: int | None, fix: str = _FIX) -> None:
        self.problem = problem
        self.line = line
        self.fix = fix
        super().__init__(problem)


class RuleTextEnvironment(ImmutableSandboxedEnvironment):
    """A sandbox with no globals, filters or tests, that refuses every attribute and item access."""

    def __init__(self) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=False, undefined=StrictUndefined)
        self.globals.clear()
        self.filters.clear()
        self.tests.clear()

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False

    def is_safe_callable(self, obj: Any) -> bool:
        return False

    def getattr(self, obj: Any, attribute: str) -> NoReturn:
        raise SecurityError(f"rule text may not read attribute {attribute!r}")

    def getitem(self, obj: Any, argument: Any) -> NoReturn:
        raise SecurityError("rule text may not read items")


def check_template(source: str) -> nodes.Template:
    """Parse `source` and refuse anything but plain substitution of known names; the parsed tree."""
    return _checked(RuleTextEnvironment(), source)


def compile_template(source: str) -> Template:
    """A checked template, ready to render with every name of :data:`TEMPLATE_NAMES`."""
    environment = RuleTextEnvironment()
    return environment.from_string(_checked(environment, source))


def _checked(environment: RuleTextEnvironment, source: str) -> nodes.Template:
    try:
        tree = environment.parse(source)
        for node in tree.body:
            _check(node)
    except TemplateSyntaxError as exc:
        raise TemplateRejected(f"template syntax error: {exc.message}", exc.lineno) from None
    except RecursionError:
        raise TemplateRejected("template nested too deeply", None) from None
    return tree


def _check(node: nodes.Node) -> None:
    if isinstance(node, nodes.TemplateData):
        return
    if isinstance(node, nodes.Output):
        for child in node.nodes:
            _check(child)
    elif isinstance(node, nodes.Name) and node.ctx == "load":
        _check_name(node)
    elif isinstance(node, nodes.If):
        if not isinstance(node.test, nodes.Name):
            _refuse(node.test, " in {% if %}, which takes one name")
        _check_name(node.test)
        for child in (*node.body, *node.elif_, *node.else_):
            _check(child)
    else:
        _refuse(node)


def _check_name(node: nodes.Name) -> None:
    if node.name in TEMPLATE_NAMES:
        return
    close = difflib.get_close_matches(node.name, sorted(TEMPLATE_NAMES), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise TemplateRejected(f"unknown name {node.name!r}{hint}", node.lineno)


def _refuse(node: nodes.Node, where: str = "") -> NoReturn:
    construct = next((text for kind, text in _CONSTRUCTS if isinstance(node, kind)), type(node).__name__)
    raise TemplateRejected(f"{construct} is not allowed{where}", node.lineno)
