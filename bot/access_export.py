"""The right of access as one ZIP: the rows as JSON, a readable PDF, the files."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from bot.documents import DocumentMaker
from storage.access import Export, to_json


def zip_name(found: Export, today: date) -> str:
    return f"acces-{found.household.reference}-{today.isoformat()}.zip"


def build_zip(maker: DocumentMaker, found: Export, today: date) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(found.data, default=to_json,
                                                    ensure_ascii=False, indent=2))
        archive.writestr("donnees.pdf", maker.access(found, today))
        for name, path in found.files:
            archive.write(path, name)
    return buffer.getvalue()
