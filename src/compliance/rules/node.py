"""Typed reads from a loaded YAML mapping that fail with file, line and problem."""

from __future__ import annotations

import datetime as dt
from typing import Any

from compliance.errors import ExpressionError, RuleFileError
from compliance.rules.expressions import Expression, parse_expression
from compliance.rules.yamlfile import LineDict


class Node:
    """A YAML mapping in a rule file, with the path used in error messages."""

    def __init__(self, data: Any, path: str, where: str, line: int = 0) -> None:
        if not isinstance(data, dict):
            raise RuleFileError(path, line or None, f"{where} must be a mapping (key: value lines), found {type(data).__name__}")
        self.data = data
        self.path = path
        self.where = where
        self.line = data.line if isinstance(data, LineDict) else line

    def line_of(self, key: str) -> int:
        return self.data.line_of(key) if isinstance(self.data, LineDict) else self.line

    def fail(self, key: str | None, problem: str, fix: str = "") -> RuleFileError:
        line = self.line_of(key) if key else self.line
        label = f"{self.where}.{key}" if key else self.where
        return RuleFileError(self.path, line, f"{label}: {problem}", fix)

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(key, "unknown key", f"allowed keys: {', '.join(sorted(allowed))}")

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key)
        if value is None:
            if default is not None:
                return default
            raise self.fail(key, "is required" if key not in self.data else "is empty")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be non-empty text, found {value!r}")
        return value.strip()

    def number(self, key: str, default: float | None = None) -> float:
        value = self.data.get(key)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"must be a number, found {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, found {value!r}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...] | list[str], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(allowed)}, found {value!r}")
        return value

    def date(self, key: str) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(key, f"must be a date written YYYY-MM-DD, found {value!r}")

    def text_list(self, key: str, allowed: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, f"must be a list of text values, found {value!r}")
        if allowed is not None:
            for item in value:
                if item not in allowed:
                    raise self.fail(key, f"{item!r} is not one of {', '.join(allowed)}")
        return tuple(value)

    def child(self, key: str, required: bool = True) -> Node | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        return Node(value, self.path, f"{self.where}.{key}", self.line_of(key))

    def children(self, key: str) -> list[Node]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list, found {type(value).__name__}")
        return [Node(item, self.path, f"{self.where}.{key}[{index}]", self.line_of(key)) for index, item in enumerate(value)]

    def expression(self, key: str, known_fields: set[str]) -> Expression:
        text = self.text(key)
        try:
            expression = parse_expression(text)
        except ExpressionError as exc:
            raise self.fail(key, str(exc)) from None
        unknown = [name for name in expression.fields if name not in known_fields]
        if unknown:
            raise self.fail(key, f"unknown field {', '.join(unknown)}", "declare it under fields: or the table's columns:")
        return expression
