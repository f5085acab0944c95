"""Home-visit notes: text, voice, photos and documents on a household's timeline.

A note is never deleted once it may have been relied on: a mistake is struck out (kept,
marked, who and when) or moved to the right household. Only the advisor's own ↩️ Annuler,
within UNDO_WINDOW of a text note, removes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import audit, households, policy
from storage.clock import Clock
from storage.errors import Refused
from storage.households import open_card
from storage.models import Advisor, AuditLog, Household, Note, PendingFile
from storage.validators import clean_name, parse_text

NOTE_LIMIT = 4096  # a Telegram message

NOTE_TYPES = ("visite", "appel", "rendez_vous", "courrier", "autre")
DURATIONS = (15, 30, 45, 60, 90, 120)  # minutes offered as buttons
UNDO_WINDOW = timedelta(minutes=2)
MOVE_BY_REFERENCE = timedelta(minutes=10)  # a reference typed later is a note again
REFERENCE = re.compile(r"\d{4}-\d{4,}")
RECENT_HOUSEHOLDS = 5
PENDING_OFFER = timedelta(days=1)  # a file waiting longer is not offered on every card


@dataclass
class Attachment:
    file_id: str
    file_unique_id: str
    path: str
    name: str | None = None


def add(session: Session, clock: Clock, actor: Advisor, household: Household, kind: str,
        text: str = "", attachment: Attachment | None = None) -> Note:
    """A note; its type is the one chosen on the note prompt, if any, else «autre».
    Raises Invalid for a text with control or bidi characters: nothing is stored."""
    if text:
        text = parse_text(text, max_length=NOTE_LIMIT)
    note = Note(household_id=household.id or 0, advisor_id=actor.id or 0, kind=kind, text=text,
                note_type=actor.next_note_type or "autre", created_at=clock.now())
    actor.next_note_type = None  # the prompt's type is for one note
    if attachment is not None:
        note.file_id, note.file_unique_id = attachment.file_id, attachment.file_unique_id
        note.file_path = attachment.path
        # Shown on the card: cleaned of control and bidi characters once, here.
        note.file_name = clean_name(attachment.name) if attachment.name else None
    session.add(note)
    open_card(session, clock, actor, household)  # writing keeps the card open
    session.flush()
    audit.record(session, clock, actor, "note.add", household, detail=f"{kind} {note.id}")
    return note


def choose_type(session: Session, clock: Clock, actor: Advisor, household_id: int,
                note_type: str) -> Household:
    """On the note prompt: the next note she sends has this type."""
    if note_type not in NOTE_TYPES:
        raise Refused("note_type_unknown")
    household = households.get(session, clock, actor, household_id, need="household.notes")
    open_card(session, clock, actor, household)
    actor.next_note_type = note_type
    session.add(actor)
    return household


def _note(session: Session, clock: Clock, actor: Advisor, note_id: int, action: str
          ) -> tuple[Note, Household]:
    """A note of a household the actor may see; the access audited as `action`."""
    note = session.get(Note, note_id)
    if note is None:
        raise Refused("note_unknown")
    household = households.get(session, clock, actor, note.household_id, action=action,
                               need="household.notes")
    return note, household


def set_type(session: Session, clock: Clock, actor: Advisor, note_id: int,
             note_type: str | None, duration: int | None = None) -> tuple[Note, Household]:
    """The note's type and/or duration (None keeps what it has)."""
    if (note_type is not None and note_type not in NOTE_TYPES) or (
            duration is not None and not 0 < duration <= 24 * 60):
        raise Refused("note_type_unknown")
    note, household = _note(session, clock, actor, note_id, "note.type")
    if note.struck_at is not None:
        raise Refused("note_struck")
    if note_type is not None:
        note.note_type = note_type
    if duration is not None:
        note.duration_minutes = duration
    session.add(note)
    return note, household


def strike(session: Session, clock: Clock, actor: Advisor, note_id: int
           ) -> tuple[Note, Household]:
    """Struck out: kept and shown as such, with who and when. Twice changes nothing."""
    note, household = _note(session, clock, actor, note_id, "note.strike")
    if note.struck_at is None:
        note.struck_at, note.struck_by_id = clock.now(), actor.id
        session.add(note)
    return note, household


def undo(session: Session, clock: Clock, actor: Advisor, note_id: int
         ) -> tuple[Household, bool]:
    """↩️ Annuler on the confirmation, within UNDO_WINDOW, by its author only.

    A text note nothing refers to is removed (True); a file note is struck out, its file kept
    (False). Audited either way."""
    note = session.get(Note, note_id)
    if note is None:
        raise Refused("note_unknown")
    household = households.get(session, clock, actor, note.household_id, action="note.undo",
                               need="household.notes")
    if note.advisor_id != actor.id or clock.now() - note.created_at > UNDO_WINDOW:
        raise Refused("undo_too_late")
    referred = session.exec(select(PendingFile).where(PendingFile.note_id == note.id)).first()
    if note.kind == "texte" and note.moved_from_id is None and referred is None:
        session.delete(note)
        session.flush()
        return household, True
    if note.struck_at is None:
        note.struck_at, note.struck_by_id = clock.now(), actor.id
        session.add(note)
    return household, False


def recent_households(session: Session, actor: Advisor, exclude: int | None = None,
                      limit: int = RECENT_HOUSEHOLDS) -> list[Household]:
    """The households whose card the advisor opened last, most recent first."""
    last_seen = func.max(AuditLog.id)
    rows = session.exec(
        select(AuditLog.household_id, last_seen)
        .where(AuditLog.advisor_id == actor.id, AuditLog.action == "household.view",
               col(AuditLog.household_id).is_not(None))
        .group_by(col(AuditLog.household_id)).order_by(last_seen.desc()).limit(limit + 1))
    found = []
    for household_id, _ in rows:
        household = session.get(Household, household_id)
        if household is not None and household.id != exclude \
                and policy.visible(actor, household) and household.status == "actif":
            found.append(household)
    return found[:limit]


def move_choices(session: Session, clock: Clock, actor: Advisor, note_id: int
                 ) -> tuple[Note, Household, list[Household]]:
    note, household = _note(session, clock, actor, note_id, "note.view")
    return note, household, recent_households(session, actor, exclude=household.id)


def start_move(session: Session, clock: Clock, actor: Advisor, note_id: int
               ) -> tuple[Note, Household, list[Household]]:
    """«↪️ Déplacer»: the recent households to choose from; a reference typed next also does."""
    note, household, targets = move_choices(session, clock, actor, note_id)
    actor.moving_note_id, actor.moving_note_at = note.id, clock.now()
    session.add(actor)
    return note, household, targets


def move_typed(session: Session, clock: Clock, actor: Advisor, text: str
               ) -> tuple[Note, Household, Household] | None:
    """A household reference typed just after «↪️ Déplacer»: the note goes there.

    None when she is not moving a note (or too long ago) or the text is not a reference."""
    reference = text.strip()
    if actor.moving_note_id is None or actor.moving_note_at is None \
            or clock.now() - actor.moving_note_at > MOVE_BY_REFERENCE \
            or not REFERENCE.fullmatch(reference):
        return None
    target = session.exec(select(Household).where(Household.reference == reference)).first()
    if target is None:
        raise Refused("household_unknown")
    moved = move(session, clock, actor, actor.moving_note_id, target.id or 0)
    actor.moving_note_id, actor.moving_note_at = None, None
    session.add(actor)
    return moved


def move(session: Session, clock: Clock, actor: Advisor, note_id: int, household_id: int
         ) -> tuple[Note, Household, Household]:
    """To the household it was meant for; both timelines' audit trails say so."""
    note, source = _note(session, clock, actor, note_id, "note.move.out")
    if note.struck_at is not None:
        raise Refused("note_struck")
    if note.household_id == household_id:
        raise Refused("note_already_there")
    target = households.get(session, clock, actor, household_id, action="note.move.in",
                            need="household.notes")
    note.moved_from_id, note.household_id = source.id, household_id
    session.add(note)
    return note, source, target


def resend(session: Session, clock: Clock, actor: Advisor, note_id: int) -> Note:
    """A note's file, to send it again: a read of the household, audited."""
    note, _household = _note(session, clock, actor, note_id, "note.file.view")
    if note.file_id is None and note.file_path is None:
        raise Refused("note_unknown")
    return note


def keep_pending(session: Session, clock: Clock, actor: Advisor, kind: str, file_id: str,
                 file_unique_id: str, name: str | None, caption: str
                 ) -> tuple[PendingFile, list[Household]]:
    """A file sent with no card open: kept, and the households it may be for."""
    pending = PendingFile(advisor_id=actor.id or 0, kind=kind, file_id=file_id,
                          file_unique_id=file_unique_id, file_name=name, caption=caption,
                          created_at=clock.now())
    session.add(pending)
    session.flush()
    return pending, recent_households(session, actor)


def pending(session: Session, clock: Clock, actor: Advisor, pending_id: int, household_id: int
            ) -> tuple[PendingFile, Household]:
    """A pending file of the actor and the household she chose for it."""
    row = session.get(PendingFile, pending_id)
    if row is None or row.advisor_id != actor.id:
        raise Refused("pending_unknown")
    return row, households.get(session, clock, actor, household_id, action="note.file",
                                       need="household.notes")


def waiting(session: Session, clock: Clock, actor: Advisor) -> PendingFile | None:
    """The advisor's last file still waiting for a household (sent within PENDING_OFFER)."""
    return session.exec(select(PendingFile).where(
        PendingFile.advisor_id == actor.id, col(PendingFile.note_id).is_(None),
        PendingFile.created_at >= clock.now() - PENDING_OFFER)
        .order_by(col(PendingFile.id).desc())).first()


def attach_pending(session: Session, clock: Clock, actor: Advisor, pending_id: int,
                   household_id: int, path: Path) -> tuple[Note, Household, bool]:
    """The pending file becomes a note of that household; False if it already was one."""
    row, household = pending(session, clock, actor, pending_id, household_id)
    if row.note_id is not None:
        note = session.get(Note, row.note_id)
        if note is not None:
            placed = session.get(Household, note.household_id)
            return note, placed or household, False
    note = add(session, clock, actor, household, row.kind, row.caption,
               Attachment(row.file_id, row.file_unique_id, str(path), row.file_name))
    row.note_id = note.id
    session.add(row)
    return note, household, True
