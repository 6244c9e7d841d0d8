"""Neutralise submitted text before it goes into a spreadsheet cell (formula / CSV injection).

A spreadsheet treats text that starts with ``=``, ``+``, ``-`` or ``@`` (and, on some imports,
a leading tab or carriage return) as a formula.  Excel and LibreOffice also accept the
full-width forms ``＝＋－＠`` typed by Chinese input methods.  Any such text is prefixed
with a single quote so it is stored and shown as plain text, never evaluated.
"""

from __future__ import annotations

import re
from typing import Any

QUOTE = "'"

# Characters that make a spreadsheet read the rest of the cell as a formula.
FORMULA_PREFIXES: frozenset[str] = frozenset("=+-@\t\r\n＝＋－＠")

# Leading blanks a spreadsheet may skip before it looks for a formula prefix.
_LEADING_BLANKS = " \u00a0\u3000"

# Control characters that are illegal in XML 1.0 (openpyxl refuses them; other writers choke).
_ILLEGAL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula."""
    stripped = text.lstrip(_LEADING_BLANKS)
    return bool(stripped) and stripped[0] in FORMULA_PREFIXES


def safe_text(value: Any) -> str:
    """``value`` as text that no spreadsheet will evaluate: dangerous text gets a leading ``'``.

    ``None`` becomes ``""``; XML-illegal control characters are removed.  Text that is safe is
    returned unchanged, so codes such as ``fail`` or ``12230100MB00000010`` stay filterable.
    """
    if value is None:
        return ""
    text = _ILLEGAL_CONTROL.sub("", str(value))
    return QUOTE + text if is_dangerous(text) else text
