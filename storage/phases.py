"""The household's phase and current address, following the facts of its home.

élaboration (no home yet) → installation (from the home's entry date) → suivi (after the
first INSTALLATION_MONTHS months in the home). The advisor may set the phase by hand: it then
stays until she clears it.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from reminders.calendar import add_months
from storage import audit
from storage.clock import Clock
from storage.errors import Refused
from storage.models import AddressChange, Advisor, Household, Tenancy
from storage.text import fold

PHASES = ("elaboration", "installation", "suivi")
INSTALLATION_MONTHS = 3


def from_facts(tenancy: Tenancy | None, today: date) -> str:
    """The phase the home's entry date gives."""
    if tenancy is None or tenancy.entry_date is None or tenancy.entry_date > today:
        return "elaboration"
    if today >= add_months(tenancy.entry_date, INSTALLATION_MONTHS):
        return "suivi"
    return "installation"


def next_change(tenancy: Tenancy | None, today: date) -> date | None:
    """The first day after `today` on which `from_facts` gives another phase, if any."""
    if tenancy is None or tenancy.entry_date is None:
        return None
    days = (tenancy.entry_date, add_months(tenancy.entry_date, INSTALLATION_MONTHS))
    return min((d for d in days if d > today), default=None)


def refresh(session: Session, clock: Clock, household: Household) -> bool:
    """Move the phase with the facts (unless set by hand); True if it changed."""
    if household.phase_manual or household.status != "actif":
        return False
    tenancy = session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first()
    phase = from_facts(tenancy, clock.today())
    if phase == household.phase:
        return False
    before, household.phase = household.phase, phase
    household.updated_at = clock.now()
    session.add(household)
    audit.record(session, clock, None, "household.phase", household, detail=f"{before}>{phase}")
    return True


def set_by_hand(session: Session, clock: Clock, actor: Advisor, household: Household,
                phase: str | None) -> Household:
    """`phase` None clears the override: the phase follows the facts again."""
    if phase is not None and phase not in PHASES:
        raise Refused("phase_unknown")
    household.phase_manual = phase is not None
    before = household.phase
    if phase is not None:
        household.phase = phase
    household.updated_at = clock.now()
    session.add(household)
    audit.record(session, clock, actor, "household.phase.manual", household,
                 detail=f"{before}>{phase or 'auto'}")
    refresh(session, clock, household)
    return household


def move_in(session: Session, clock: Clock, actor: Advisor | None, household: Household,
            address: str) -> AddressChange | None:
    """The home's address becomes the current one; the previous one is kept in the history.

    The caller refreshes the household's search key (the address is part of it)."""
    address = address.strip()
    if not address or fold(address) == fold(household.address):
        return None
    change = AddressChange(household_id=household.id or 0, old_address=household.address,
                           new_address=address, advisor_id=actor.id if actor else None,
                           at=clock.now())
    session.add(change)
    household.address, household.updated_at = address, clock.now()
    session.add(household)
    audit.record(session, clock, actor, "household.address.change", household)
    return change
