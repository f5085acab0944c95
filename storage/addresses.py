"""What lists may say of an address: its commune, to tell households apart."""

from __future__ import annotations

import re

_POSTCODE_COMMUNE = re.compile(r"\b\d{5}\s+([^\d,;\n]+)")
_CEDEX = re.compile(r"\s+cedex\b.*$", re.IGNORECASE)


def commune(address: str) -> str:
    """`3 allée des Pins, 40100 Dax` -> `Dax`; `12 rue des Arènes, Dax` -> `Dax`; `` when the
    address does not say (no postcode followed by a name, no last part without digits)."""
    found = _POSTCODE_COMMUNE.search(address)
    if found:
        name = found.group(1)
    else:
        parts = [p.strip() for p in re.split(r"[,;\n]", address)]
        name = parts[-1] if len(parts) > 1 and not re.search(r"\d", parts[-1]) else ""
    return _CEDEX.sub("", name).strip(" .-")
