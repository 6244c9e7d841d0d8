"""Where the rules, profiles and templates folders are."""

from __future__ import annotations

import os
from pathlib import Path

HOME_VARIABLE = "COMPLIANCE_HOME"


def project_home(start: Path | None = None) -> Path:
    """The folder holding ``rules/`` and ``checks/``.

    ``$COMPLIANCE_HOME`` wins; otherwise the current folder or its nearest
    parent with a ``rules`` folder; otherwise the checkout this package was
    installed from (editable installs).
    """
    if os.environ.get(HOME_VARIABLE):
        return Path(os.environ[HOME_VARIABLE]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "rules").is_dir() and (folder / "checks").is_dir():
            return folder
    source_checkout = Path(__file__).resolve().parents[2]
    if (source_checkout / "rules").is_dir():
        return source_checkout
    return here
