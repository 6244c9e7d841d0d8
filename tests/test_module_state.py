"""No module but the engine module keeps mutable state at module level.

A web server runs checks for many institutions in threads of one process, and a cluster runs them
on workers that share nothing: whatever a module keeps at module level would be shared by all of
them, or be missing.  So module-level values are constants that cannot change (strings, numbers,
tuples, frozensets, read-only mappings, frozen dataclasses, compiled patterns); no function keeps a
cache at module level and none assigns a global.  Each exception is listed below with its reason.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import enum
import importlib
import logging
import pkgutil
import re
import struct
import types
import typing
from pathlib import Path, PurePath

import compliance

ENGINE = "compliance.evaluation.engine"  # durable-rules' host is process-global; the module documents it

#: module.name -> why it may hold what it holds
ALLOWED: dict[str, str] = {
    "compliance.ingest.workbook.cell_ref": "a memo of a pure function of two small integers ('D7' for (7, 4)): "
                                           "no data of any run, the same for every caller",
    "compliance.report.fonts.covered_codepoints": "the code points of the bundled font files, read once: static "
                                                  "package data",
    "compliance.wording.catalogue._catalogue": "the message catalogues shipped with the package, read once: static "
                                               "package data, never changed",
    "compliance.wording.findings._template": "compiled remediation templates keyed by the rule text itself: "
                                             "immutable, safe to render from any thread, hold no run's data",
    "compliance.pipeline.executors._worker": "the context of a pool worker process, set by the pool's initializer "
                                             "in that process only (the parent never sets it)",
    "compliance.pipeline.shared._contexts": "the contexts of a shared-pool worker process by catalog digest, "
                                            "made in that process only (the parent never fills it)",
    "compliance.web.urls.urlpatterns": "Django's URL configuration: a list Django reads, never changed",
    "compliance.wording.quantities._BABEL_LOCALES": "Babel's locale data of the two languages, parsed once: static "
                                                    "package data, read-only in use",
    "compliance.wording.quantities._PATTERNS": "Babel's parsed number patterns, made once from constant strings: "
                                               "read-only in use, hold no run's data",
}
# openpyxl style values (fonts, fills, borders, alignments) are copied into each cell that uses them.
STYLE_MODULES = ("openpyxl.styles",)


def _modules() -> list[types.ModuleType]:
    return [importlib.import_module(info.name) for info in pkgutil.walk_packages(compliance.__path__, "compliance.")]


def _assigned(module: types.ModuleType) -> list[str]:
    """Names the module itself assigns at its top level."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[arg-type]
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) and node.value is not None else []
        names += [target.id for target in targets if isinstance(target, ast.Name)]
    return names


def _immutable(value: object) -> bool:
    if isinstance(value, (str, bytes, int, float, complex, bool, type(None), range, re.Pattern, PurePath, enum.Enum,
                          struct.Struct, dt.date, dt.tzinfo, logging.Logger, typing.TypeVar, types.UnionType)):
        return True
    if isinstance(value, (tuple, frozenset)):
        return all(_immutable(item) for item in value)
    if isinstance(value, types.MappingProxyType):
        return all(_immutable(key) and _immutable(item) for key, item in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.__dataclass_params__.frozen and all(  # type: ignore[attr-defined]
            _immutable(getattr(value, field.name)) for field in dataclasses.fields(value))
    if isinstance(value, type) or callable(value) and not hasattr(value, "cache_info"):
        return True  # classes and plain functions
    return type(value).__module__.startswith(STYLE_MODULES)


def test_module_level_values_are_constants() -> None:
    offenders = []
    for module in _modules():
        if module.__name__ == ENGINE:
            continue
        for name in _assigned(module):
            key = f"{module.__name__}.{name}"
            if name == "__all__" or key in ALLOWED:
                continue
            value = getattr(module, name)
            if not _immutable(value):
                offenders.append(f"{key}: {type(value).__name__}")
    assert not offenders, "mutable module-level state:\n" + "\n".join(offenders)


def test_no_module_level_caches_or_globals() -> None:
    offenders = []
    for module in _modules():
        if module.__name__ == ENGINE:
            continue
        for name, value in vars(module).items():
            key = f"{module.__name__}.{name}"
            if hasattr(value, "cache_info") and getattr(value, "__module__", None) == module.__name__ \
                    and key not in ALLOWED:
                offenders.append(f"{key}: a cache")
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[arg-type]
        for node in ast.walk(tree):
            if isinstance(node, ast.Global) and not all(f"{module.__name__}.{n}" in ALLOWED for n in node.names):
                offenders.append(f"{module.__name__}: global {', '.join(node.names)}")
    assert not offenders, "\n".join(offenders)


def test_every_exception_is_still_there() -> None:
    """An exception listed here that the code no longer has is taken off the list."""
    for key in ALLOWED:
        module, name = key.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), name), key

