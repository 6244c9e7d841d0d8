"""The one build step pyproject.toml cannot declare: ship the rule packs and profiles, which are
edited at the repository root (rules/, checks/), inside the package as compliance/bundled/rules
and compliance/bundled/checks, where compliance.paths reads them with importlib.resources.

An editable install copies nothing: compliance.paths then reads the checkout's rules/ and checks/,
so an edited pack is what the tool reads.  The sdist carries both folders (MANIFEST.in), so a
wheel built from it (python -m build) has them too.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = {"rules": ("*.yaml", "*.csv"), "checks": ("*.yaml",)}  # kept in step with MANIFEST.in
OPTIONAL = {"checks/waivers": ("*.yaml",)}  # shipped when there are any (a checkout has none by default)


class BuildPyWithRules(build_py):  # type: ignore[misc]
    """build_py that also copies rules/ and checks/ into compliance/bundled/ of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, patterns in {**BUNDLED, **OPTIONAL}.items():
            sources = sorted({path for pattern in patterns for path in (HERE / folder).glob(pattern)})
            if not sources and folder in OPTIONAL:
                continue
            if not sources:
                raise SystemExit(f"setup.py: no {' or '.join(patterns)} files in {HERE / folder}; "
                                 "the package would ship without its rules")
            target = Path(self.build_lib, "compliance", "bundled", folder)
            self.mkpath(str(target))
            for source in sources:
                self.copy_file(str(source), str(target / source.name))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            for folder, patterns in {**BUNDLED, **OPTIONAL}.items():
                names = sorted({path.name for pattern in patterns for path in (HERE / folder).glob(pattern)})
                outputs += [str(Path(self.build_lib, "compliance", "bundled", folder, name)) for name in names]
        return outputs


setup(cmdclass={"build_py": BuildPyWithRules})
