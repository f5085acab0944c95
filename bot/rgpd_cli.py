"""`hlm-bot purge [--dry-run]`, `hlm-bot export REF`, `hlm-bot audit-export --since`."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date
from pathlib import Path

from bot.access_export import build_zip, zip_name
from bot.deps import Deps
from storage import access, retention
from storage.errors import Refused
from storage.exports import row


def run_purge(d: Deps, dry_run: bool) -> int:
    today = d.clock.today()
    if dry_run:
        with d.db.session() as session:
            due, soon = retention.schedule(session, today, d.clock.tz)
            print(d.render.text("cli.purge_plan", due=due, soon=soon, today=today))
        return 0
    with d.db.session() as session:
        done = retention.purge_due(session, d.clock, d.settings.data_dir)
        references = [o.household.reference for o in done]
        files = [path for o in done for path in o.files]
    retention.remove_files(files)  # committed: the files can go
    print(d.render.text("cli.purge_done", references=references, files=len(files)))
    return 0


def run_export(d: Deps, reference: str, output: Path | None) -> int:
    try:
        with d.db.session() as session:
            found = access.export(session, d.clock, None, reference, d.settings.data_dir)
            today = d.clock.today()
            content = build_zip(d.documents, found, today)
            name = zip_name(found, today)
    except Refused:
        print(d.render.text("cli.unknown_reference", reference=reference), file=sys.stderr)
        return 1
    target = output or Path(name)
    target.write_bytes(content)
    print(d.render.text("cli.export_done", path=target))
    return 0


def audit_csv(d: Deps, since: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header: list[object] = list(d.render.text("cli.audit_header").split(";"))
    writer.writerow(row(header))
    with d.db.session() as session:
        for r in access.audit_rows(session, since, d.clock):
            writer.writerow(row([d.render.when(r.at), r.source, r.advisor, r.telegram_id,
                                 r.action, r.reference, r.detail, r.count]))
    return buffer.getvalue()


def run_audit_export(d: Deps, since: date, output: Path | None) -> int:
    text = audit_csv(d, since)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(d.render.text("cli.export_done", path=output))
    return 0
