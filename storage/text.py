"""Text normalisation for lookups: what an advisor types matches what was stored."""

from __future__ import annotations

import re
import unicodedata

# Straight, curly (the iPhone's default), modifier-letter and grave apostrophes, and acute
# accents typed as apostrophes: `N'Diaye`, `N’Diaye` and `NDiaye` are one name.
APOSTROPHES = "'\u2019\u2018\u02bc`\u00b4"
_NO_APOSTROPHES = str.maketrans("", "", APOSTROPHES)
# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def fold(text: str) -> str:
    """Lower-case, accents and apostrophes removed, spaces collapsed:
    `Hélène  N’Diaye` -> `helene ndiaye`."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Combining accents out, and control/format characters (a NUL in a search breaks
    # PostgreSQL; a bidi override matches nothing anyone typed).
    stripped = "".join(c for c in decomposed if (not unicodedata.combining(c)
                       and unicodedata.category(c) not in ("Cc", "Cf")) or c in "\t\n")
    return re.sub(r"\s+", " ", stripped.casefold().translate(_NO_APOSTROPHES)).strip()


def compact(text: str) -> str:
    """`fold`, then letters and digits only: hyphens, spaces, dots and ligatures do not
    separate a name (`N'Diaye-Lefèvre`, `n diaye lefevre` -> `ndiayelefevre`)."""
    return "".join(c for c in fold(text).translate(_LIGATURES) if c.isalnum())


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)
