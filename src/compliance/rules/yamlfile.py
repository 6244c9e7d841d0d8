"""YAML loading that remembers the line of every mapping and key.

Rule packs and profiles are validated after loading; errors must name the
file and line, so the loader keeps line numbers on the mappings it builds.

Rule files are written by hand and may come from elsewhere, so the loader
bounds what a file can cost before any value is built: its size, how deep it
nests, and no aliases (``*name``, also inside ``<<:`` merge keys), whose
nested expansion (the "billion laughs") can take minutes and gigabytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compliance.errors import RuleFileError

# Ten times the largest bundled pack (95 kB): the pure-Python YAML parser takes about 5 s and
# 100 MB for a megabyte of densely written YAML.
MAX_FILE_BYTES = 1_000_000
# Bundled packs nest six levels (pack, rules, rule, measure, list, item).
MAX_DEPTH = 32


class LineDict(dict):  # type: ignore[type-arg]
    """A dict built from a YAML mapping, with ``line`` and ``key_lines``."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    nesting = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise RuleFileError(self.name, line, f"YAML alias *{event.anchor} is not allowed in a rule file",
                                "write the value out in full; rule files use no anchors, aliases or <<: merge keys")
        if self.nesting >= MAX_DEPTH:
            raise RuleFileError(self.name, line, f"nested more than {MAX_DEPTH} levels deep",
                                "rule packs and profiles nest a few levels; check the indentation and brackets")
        self.nesting += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.nesting -= 1


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
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise RuleFileError(path, None, f"file is larger than {MAX_FILE_BYTES:,} bytes",
                                "a rule pack covers one policy document; split a larger one into several packs")
        text = data.decode("utf-8")
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
