"""Text normalisation for lookups."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: `Hélène  Dupré` -> `helene dupre`."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Combining accents out, and control/format characters (a NUL in a search breaks
    # PostgreSQL; a bidi override matches nothing anyone typed).
    stripped = "".join(c for c in decomposed if (not unicodedata.combining(c)
                       and unicodedata.category(c) not in ("Cc", "Cf")) or c in "\t\n")
    return re.sub(r"\s+", " ", stripped.casefold()).strip()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)
