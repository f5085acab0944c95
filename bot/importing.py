"""`hlm-bot import FILE [--dry-run]`: check every row, then import all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.deps import Deps
from storage import importer


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def run_import(d: Deps, path: Path, dry_run: bool = False) -> int:
    if not path.is_file():
        print(f"{path} : fichier introuvable / file not found", file=sys.stderr)
        return 2
    rows, report = importer.check(path)
    if report.errors:
        print(d.render.text("cli.import_errors", report=report, path=path), file=sys.stderr)
        return 1
    try:
        with d.db.session() as session:
            importer.apply(session, d.clock, rows, report, source=path.name)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    print(d.render.text("cli.import_done", report=report, path=path, dry_run=dry_run))
    return 0
