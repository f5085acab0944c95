"""Home-visit notes: text, voice, photos and documents on a household's timeline."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from storage import audit
from storage.clock import Clock
from storage.households import open_card
from storage.models import Advisor, Household, Note
from storage.validators import clean_name, parse_text

NOTE_LIMIT = 4096  # a Telegram message


@dataclass
class Attachment:
    file_id: str
    file_unique_id: str
    path: str
    name: str | None = None


def add(session: Session, clock: Clock, actor: Advisor, household: Household, kind: str,
        text: str = "", attachment: Attachment | None = None) -> Note:
    """Raises Invalid for a text with control or bidi characters: nothing is stored."""
    if text:
        text = parse_text(text, max_length=NOTE_LIMIT)
    note = Note(household_id=household.id or 0, advisor_id=actor.id or 0, kind=kind, text=text,
                created_at=clock.now())
    if attachment is not None:
        note.file_id, note.file_unique_id = attachment.file_id, attachment.file_unique_id
        note.file_path = attachment.path
        # Shown on the card: cleaned of control and bidi characters once, here.
        note.file_name = clean_name(attachment.name) if attachment.name else None
    session.add(note)
    open_card(session, clock, actor, household)  # writing keeps the card open
    audit.record(session, clock, actor, "note.add", household, detail=kind)
    return note
