"""Where the rules, profiles and templates folders are.

The rule packs (``rules/``) and profiles (``checks/``) are edited at the repository root and
shipped inside the package as ``compliance/bundled/rules`` and ``compliance/bundled/checks`` (the
build copies them there; see ``setup.py``).  An editable install has no copies: it reads the
checkout's own ``rules/`` and ``checks/``, so an edited pack is what the tool reads.

A site's own rules and profiles live in a *home* folder, named by ``--home`` or
``$COMPLIANCE_HOME`` (``--home`` wins):

* a home with ``rules/`` is complete: its ``rules/`` and ``checks/`` are used, nothing bundled;
* a home with only ``checks/`` adds its profiles to the bundled ones (a profile of the same name
  replaces the bundled one); they are checked against the bundled rules;
* without a home, the bundled rules and profiles are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from compliance.errors import ConfigError

HOME_VARIABLE = "COMPLIANCE_HOME"
RULES = "rules"
CHECKS = "checks"
BUNDLED = "bundled"  # compliance/bundled/{rules,checks} in a built package


@dataclass(frozen=True)
class Home:
    """Where this run reads its rules and profiles from.

    ``root`` is the folder people edit (the home named by ``--home``/``$COMPLIANCE_HOME``, or
    the checkout of an editable install); ``None`` for the copies bundled in an installed package,
    which nobody edits and nothing is written into.
    """

    rules: Path
    checks: tuple[Path, ...]  # profile folders; a later folder's profile replaces an earlier one's
    root: Path | None
    description: str  # where the rules and profiles are read from, for messages

    @property
    def templates(self) -> Path | None:
        """Where ``compliance template`` writes by default: ``inputs/templates/`` of the root."""
        return self.root / "inputs" / "templates" if self.root is not None else None


def bundled_home() -> Home:
    """The rules and profiles that come with the package (in an editable install: the checkout's)."""
    package = resources.files("compliance")
    bundled = package / BUNDLED
    if bundled.joinpath(RULES).is_dir():
        folder = Path(str(bundled))  # an installed package is a folder on disk, never a zip
        return Home(folder / RULES, (folder / CHECKS,), None, f"the rules and profiles bundled with the package ({folder})")
    checkout = Path(str(package)).resolve().parents[1]  # src/compliance -> the repository root
    if (checkout / RULES).is_dir() and (checkout / "pyproject.toml").is_file():
        return Home(checkout / RULES, (checkout / CHECKS,), checkout, f"the source checkout ({checkout})")
    raise ConfigError("no_bundled_rules", folder=str(bundled / RULES), variable=HOME_VARIABLE)


def resolve_home(home: Path | None = None) -> Home:
    """The home named by ``home`` (``--home``), else by ``$COMPLIANCE_HOME``, else the bundled one."""
    if home is None and os.environ.get(HOME_VARIABLE):
        home = Path(os.environ[HOME_VARIABLE])
        named_by = f"${HOME_VARIABLE}"
    else:
        named_by = "--home"
    if home is None:
        return bundled_home()
    root = home.expanduser().resolve()
    if not root.is_dir():
        raise ConfigError("home_missing", home=str(root), named_by=named_by)
    if (root / RULES).is_dir():
        return Home(root / RULES, (root / CHECKS,), root, f"the home {root}")
    if (root / CHECKS).is_dir():
        bundled = bundled_home()
        return Home(bundled.rules, (*bundled.checks, root / CHECKS), root,
                    f"the profiles of the home {root}, with {bundled.description}")
    raise ConfigError("home_empty", home=str(root), named_by=named_by)
