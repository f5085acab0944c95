"""docs/donnees.md names every table and field of the models, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import SQLModel

import storage.models  # noqa: F401  (the tables register themselves)

DATA_MAP = Path(__file__).parents[2] / "docs" / "donnees.md"
COLUMNS = 5  # champ, finalité, qui voit, durée, où il va


def documented() -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in DATA_MAP.read_text(encoding="utf-8").splitlines():
        if (heading := re.fullmatch(r"### `(\w+)`", line.strip())):
            current = tables.setdefault(heading.group(1), set())
        elif current is not None and (row := re.match(r"\| `(\w+)` \|", line)):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            assert len(cells) == COLUMNS and all(cells), line  # every column filled in
            current.add(row.group(1))
    return tables


def test_every_model_field_is_in_the_data_map_and_only_those() -> None:
    models = {t.name: {c.name for c in t.columns} for t in SQLModel.metadata.sorted_tables}
    written = documented()
    missing = {f"{t}.{c}" for t, cols in models.items() for c in cols - written.get(t, set())}
    gone = {f"{t}.{c}" for t, cols in written.items() for c in cols - models.get(t, set())}
    assert not missing, f"docs/donnees.md: fields to describe: {sorted(missing)}"
    assert not gone, f"docs/donnees.md: fields that no longer exist: {sorted(gone)}"
