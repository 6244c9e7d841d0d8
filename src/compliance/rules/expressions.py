"""Arithmetic expressions over named fields, parsed without ``eval``.

Rule files state measures such as ``incentive_performance_pay / total_performance_pay``.
The text is parsed with :mod:`ast` and only numbers, field names, the four
arithmetic operators, unary minus and parentheses are accepted. Evaluation walks
the tree; nothing is ever executed as Python.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from compliance.errors import ExpressionError

_BINARY: Mapping[type[ast.operator], Callable[[float, float], float]] = MappingProxyType({
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
})
_BINARY_SYMBOL = MappingProxyType({ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"})
MAX_EXPRESSION_LENGTH = 500


class DivisionByZero(ArithmeticError):
    """The denominator of an expression evaluated to zero."""

    def __init__(self, denominator: str) -> None:
        self.denominator = denominator
        super().__init__(f"{denominator} = 0")


@dataclass(frozen=True)
class Expression:
    """A parsed, validated arithmetic expression."""

    text: str
    tree: ast.expr = field(compare=False)  # the text says it all: equal texts parse to equal trees
    fields: tuple[str, ...] = ()

    def evaluate(self, values: Mapping[str, float]) -> float:
        """Evaluate with every field in ``values``; raises DivisionByZero."""
        return _evaluate(self.tree, values)


def parse_expression(text: str) -> Expression:
    """Parse ``text``; raise ExpressionError naming what is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        module = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid arithmetic expression: {text!r} ({exc.msg})") from None
    fields: list[str] = []
    _validate(module.body, fields)
    return Expression(text=text.strip(), tree=module.body, fields=tuple(dict.fromkeys(fields)))


def _validate(node: ast.AST, fields: list[str]) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _validate(node.left, fields)
        _validate(node.right, fields)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _validate(node.operand, fields)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        pass
    elif isinstance(node, ast.Name):
        if not node.id.isidentifier() or node.id.startswith("_"):
            raise ExpressionError(f"field name {node.id!r} is not allowed")
        fields.append(node.id)
    else:
        raise ExpressionError(
            f"{type(node).__name__} is not allowed; use field codes, numbers, + - * / and parentheses"
        )


def _evaluate(node: ast.expr, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values)
        right = _evaluate(node.right, values)
        if isinstance(node.op, ast.Div) and right == 0:
            raise DivisionByZero(ast.unparse(node.right))
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return float(values[node.id])
    raise ExpressionError(f"unexpected node {type(node).__name__}")
