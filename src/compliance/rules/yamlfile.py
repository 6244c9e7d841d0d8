"""YAML loading that remembers the line of every mapping and key.

Rule packs and profiles are validated after loading; errors must name the
file and line, so the loader keeps line numbers on the mappings it builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compliance.errors import RuleFileError


class LineDict(dict):  # type: ignore[type-arg]
    """A dict built from a YAML mapping, with ``line`` and ``key_lines``."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise RuleFileError(loader.name, line, f"key {key!r} is not text")
        if key in result:
            raise RuleFileError(loader.name, line, f"key {key!r} appears twice in this mapping")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Load one YAML document; syntax errors become RuleFileError with a line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(path, None, f"cannot read file: {exc}") from None
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleFileError(path, line, f"YAML syntax error: {exc.problem or exc.context}") from None
    finally:
        loader.dispose()


def _timestamp_as_text(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    # Dates stay text here and are parsed by Node.date, so a bad date is a
    # RuleFileError with a line rather than a ValueError from PyYAML.
    return str(loader.construct_scalar(node))


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
