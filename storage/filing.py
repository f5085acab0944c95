"""Where what the advisor types or sends goes (the form in progress, a note to move, the open
card): rules of their own, beside the notes and the forms."""

from __future__ import annotations

from sqlmodel import Session

from storage import households, notes
from storage.clock import Clock
from storage.forms.engine import Engine, Step
from storage.models import Advisor, Household, Note


def file_target(session: Session, clock: Clock, actor: Advisor) -> tuple[Household | None, bool]:
    """The household of the form in progress (True: a form is in progress, even one without a
    household yet), else the open card (False), else None."""
    run = Engine(session, clock, actor).active()
    if run is not None:
        household = households.get(session, clock, actor, run.household_id,
                                   need="household.notes") \
            if run.household_id else None
        return household, True
    return households.open_household(session, clock, actor), False


def typed(session: Session, clock: Clock, actor: Advisor, text: str
          ) -> Step | tuple[Note, Household] | tuple[Note, Household, Household] | None:
    """Text typed: the answer to the form in progress (its next step), else a reference
    moving the note just added (note, from, to), else a note on the open card (note, card),
    else None (no card open)."""
    engine = Engine(session, clock, actor)
    run = engine.active()
    if run is not None:
        return engine.answer_text(run, text)
    moved = notes.move_typed(session, clock, actor, text)
    if moved is not None:
        return moved
    household = households.open_household(session, clock, actor)
    if household is None:
        return None
    return notes.add(session, clock, actor, household, "texte", text), household
