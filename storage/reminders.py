"""Reminders as records: kept in step with the households' data, claimed atomically, sent once.

The rules of what is due are in reminders.rules; this module stores their result:
- `sync` makes the stored reminders match the rules for one household (new keys created,
  keys no longer wanted cancelled if not sent yet, dates moved if not sent yet);
- `claim` takes the reminders due now for one process, with a conditional UPDATE that only
  one process can win, on SQLite as on PostgreSQL;
- `sent` / `release` record the outcome of a sending; a claim left by a dead process is taken
  again after CLAIM_TIMEOUT: a duplicate is possible only if the process died between
  Telegram's acceptance and this record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from threading import Event
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from reminders import kinds, rules
from reminders.calendar import slot, slot_after
from storage import audit, ledger, phases, plans, policy
from storage.clock import Clock
from storage.db import Database
from storage.models import (
    Advisor,
    Bilan,
    FreeReminder,
    Household,
    Reminder,
    ReminderStatus,
    Role,
    Tenancy,
    TransferReview,
)
from storage.references import by_reference_order

# A claim not renewed for this long belongs to a process that died: taken again. Each
# reminder's claim is renewed just before it is sent, so only a single send lasting longer
# than this could be sent twice.
log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=3)  # longer than a send waiting out 429s (3 retries)
CLAIM_BATCH = 50
# How many days after the rent's due day its check comes (setting RENT_CHECK_DELAY_DAYS).
settings = {"rent_check_delay": rules.RENT_CHECK_DELAY_DAYS}
RETRY_DELAYS = [timedelta(seconds=s) for s in (30, 60, 120, 300, 900)]
OPEN = (ReminderStatus.DUE, ReminderStatus.SENDING)


def facts(session: Session, clock: Clock, household: Household, account: ledger.Account
          ) -> rules.Facts:
    tenancy = account.home
    version = plans.current(session, household)
    items = []
    if version is not None:
        items = [{"uid": i.uid, "due": i.due.isoformat(), "text": i.text}
                 for i in plans.items(session, household, version)
                 if i.due and i.status not in ("fait", "non_fait")]
    progress = ledger.plan_progress(session, clock, household, tenancy,
                                    settings["rent_check_delay"])
    free = list(session.exec(select(FreeReminder).where(
        FreeReminder.household_id == household.id)))
    held = list(session.exec(select(TransferReview).where(
        TransferReview.household_id == household.id)))
    return rules.Facts(
        household=household,
        tenancy=tenancy,
        rent_dues=account.dues,
        balance=account.balance,
        plan=progress.plan if progress else None,
        plan_missed=(progress.missed, progress.check_on)
        if progress and progress.missed and progress.check_on else None,
        impaye_to=[a.id or 0 for a in alert_recipients(session, household)]
        if any(f.kind == "prevention" and f.cancelled_on is None for f in free) else [],
        plan_bilans=(plans.bilan_dates(version) or None) if version else None,
        plan_items=items,
        bilans=list(session.exec(select(Bilan).where(Bilan.household_id == household.id))),
        reviews=[r.occurrence or r.held_on for r in held if not r.extra],
        review_history=[(r.held_on, r.decision) for r in held],
        free=free,
        tenancy_recorded_on=tenancy.created_at.astimezone(clock.tz).date() if tenancy else None,
        rent_check_delay=settings["rent_check_delay"],
    )


def sync(session: Session, clock: Clock, household: Household) -> None:
    """Make the household's stored reminders match what its records make due (the rent
    account first: the months fallen due, and whether the debt is an impayé)."""
    account = ledger.refresh(session, clock, household)
    known = facts(session, clock, household, account)
    today = clock.today()
    wanted = {d.key: d for d in rules.due_items(known, today)}
    # When time alone changes this (or the phase): the pass comes back then, not before.
    days = [d for d in (rules.next_change(known, today), phases.next_change(account.home, today))
            if d is not None]
    household.next_derivation_on = min(days) if household.status == "actif" and days else None
    session.add(household)
    stored = {r.key: r for r in session.exec(select(Reminder).where(
        Reminder.household_id == household.id))}
    now = clock.now()
    for key, due in wanted.items():
        reminder = stored.get(key)
        if reminder is None:
            session.add(Reminder(household_id=household.id or 0, kind=due.kind, key=key,
                                 due_on=due.due_on, due_at=slot(due.due_on, clock.tz),
                                 payload=due.payload, created_at=now))
        elif reminder.status == ReminderStatus.CANCELLED:
            reminder.status = ReminderStatus.DUE  # its reason came back
            _move(reminder, due, clock)
        elif reminder.status == ReminderStatus.DUE and not reminder.snoozed and (
                reminder.due_on != due.due_on or reminder.payload != due.payload):
            _move(reminder, due, clock)
    for key, reminder in stored.items():
        # Its reason went away (rent recorded, new certificate, step done, a newer relance):
        # not sent, it never will be; sent, it leaves the open items (its buttons say so).
        if key not in wanted and reminder.status in (ReminderStatus.DUE, ReminderStatus.SENT,
                                                     ReminderStatus.FAILED):
            reminder.status = ReminderStatus.CANCELLED
            session.add(reminder)
    session.flush()


def leave_to_pass(session: Session, household: Household) -> None:
    """The household's records changed but its derivation (dues, impayé, phase, reminders)
    is left to the next pass (`sync_due`), which takes the households never derived first:
    what an import does, so that it writes its rows without deriving each one."""
    household.next_derivation_on = None
    session.add(household)


def _move(reminder: Reminder, due: rules.Due, clock: Clock) -> None:
    reminder.due_on, reminder.payload = due.due_on, due.payload
    reminder.due_at = slot(due.due_on, clock.tz)
    reminder.attempts = 0


SYNC_CHUNK = 50  # households per transaction of the pass at most
# SQLite has one writer: a chunk holds the write lock this long at most, then the pass leaves
# it free long enough for a waiting transaction's busy handler (polling every 50 ms or so)
# to take it; without the pause, an advisor's answer waited for the whole pass.
CHUNK_SECONDS = 0.05
SQLITE_PAUSE = 0.06


def due_for_derivation(session: Session, today: date) -> list[int]:
    """The active households whose derivation day has come, or never derived (an imported
    caseload, a database older than the derivation days): two lookups on the index."""
    active = Household.status == "actif"
    never = select(Household.id).where(col(Household.next_derivation_on).is_(None), active)
    come = select(Household.id).where(col(Household.next_derivation_on) <= today, active)
    return sorted({i for query in (never, come) for i in session.exec(query) if i is not None})


def never_derived(session: Session) -> int:
    """How many active households wait for their first derivation (an import)."""
    query = select(func.count()).select_from(Household).where(
        col(Household.next_derivation_on).is_(None), Household.status == "actif")
    return int(session.exec(query).one())


def sync_due(db: Database, clock: Clock, stop: Event | None = None,
             chunk: int = SYNC_CHUNK) -> int:
    """The periodic pass (run in a worker thread, never in the event loop): only the
    households whose reminders, phase or rent dues time has changed, SYNC_CHUNK per
    transaction, so that the bot's own transactions get in between. `stop` set: the pass
    ends after the chunk in progress (what is done is committed). Returns how many."""
    today = clock.today()
    with db.session() as session:
        ids = due_for_derivation(session, today)
    done, pending = 0, iter(ids)
    pause = SQLITE_PAUSE if db.engine.dialect.name == "sqlite" else 0.0
    stop = stop or Event()
    while True:
        with db.session() as session:
            began, count = time.monotonic(), 0
            for household_id in pending:
                household = session.get(Household, household_id)
                if household is not None and household.status == "actif":
                    try:
                        with session.begin_nested():  # one household's trouble stops no other
                            phases.refresh(session, clock, household)
                            sync(session, clock, household)
                        done += 1
                    except Exception:  # its day stays: tried again at the next pass
                        log.exception("reminders of household %s not derived", household_id)
                count += 1
                if count >= chunk or time.monotonic() - began > CHUNK_SECONDS:
                    break
        if count == 0 or stop.wait(pause):  # all done, or the bot stops
            return done


def claim(session: Session, clock: Clock, owner: str, limit: int = CLAIM_BATCH
          ) -> list[Reminder]:
    """Take up to `limit` reminders due now for `owner`; no other process gets them."""
    now = clock.now()
    takeable = or_(
        and_(col(Reminder.status) == ReminderStatus.DUE, col(Reminder.due_at) <= now),
        and_(col(Reminder.status) == ReminderStatus.SENDING,
             col(Reminder.claimed_at) < now - CLAIM_TIMEOUT),
    )
    # Two index-friendly lookups (status, due_at) rather than one OR that scans the table.
    candidates = list(session.exec(
        select(Reminder.id).where(col(Reminder.status) == ReminderStatus.DUE,
                                  col(Reminder.due_at) <= now)
        .order_by(col(Reminder.due_at)).limit(limit)))
    candidates += list(session.exec(
        select(Reminder.id).where(col(Reminder.status) == ReminderStatus.SENDING,
                                  col(Reminder.claimed_at) < now - CLAIM_TIMEOUT)
        .limit(limit)))
    if not candidates:
        return []
    session.execute(
        update(Reminder)
        .where(col(Reminder.id).in_(candidates), takeable)
        .values(status=ReminderStatus.SENDING, claimed_by=owner, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.expire_all()
    return list(session.exec(select(Reminder).where(
        col(Reminder.id).in_(candidates), Reminder.claimed_by == owner,
        Reminder.claimed_at == now, Reminder.status == ReminderStatus.SENDING)))


def renew(session: Session, clock: Clock, reminder_id: int, owner: str) -> bool:
    """Right before sending: the claim is still ours (and fresh), or someone else took it."""
    result = session.execute(
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.claimed_by) == owner,
               col(Reminder.status) == ReminderStatus.SENDING)
        .values(claimed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def recipient(session: Session, household: Household, reminder: Reminder | None = None
              ) -> Advisor | None:
    """The advisor in charge now (a reassignment moves the reminders), else a coordinator;
    a notice addressed to someone (`payload.to`: a coordinator's impayé alert) goes to her;
    one addressed to a role (`payload.to_role`: the préfet notice) goes to a coordinator.

    "Else" includes an advisor whose chat with the bot is not open (created by an import and
    not yet written, or refused by Telegram): a reminder sent there would reach nobody.
    """
    to = reminder.payload.get("to") if reminder is not None else None
    addressee = session.get(Advisor, to) if to else None
    if addressee is not None and addressee.active and addressee.chat_opened_at is not None:
        return addressee
    advisor = session.get(Advisor, household.advisor_id) \
        if household.advisor_id and not _to_role(reminder) else None
    if advisor is not None and advisor.active and advisor.chat_opened_at is not None:
        return advisor
    return session.exec(select(Advisor).where(
        col(Advisor.active), col(Advisor.chat_opened_at).is_not(None),
        col(Advisor.role).in_([Role.COORDINATRICE, Role.ADMIN]))
        .order_by(col(Advisor.role).desc(), col(Advisor.id))).first()


def _to_role(reminder: Reminder | None) -> bool:
    return reminder is not None and reminder.payload.get("to_role") == Role.COORDINATRICE.value


def recipients(session: Session, household: Household, reminder: Reminder | None = None
               ) -> list[Advisor]:
    """Who receives it: the one `recipient` names first, then, for a reminder whose payload
    names the role «bailleur» among its `recipients` (the préfet notice), the landlord's users
    of the organisation of the household's home that may see it (storage.policy: shared with
    it, support active), each with its chat open."""
    first = recipient(session, household, reminder)
    found = [first] if first is not None else []
    roles = reminder.payload.get("recipients") or [] if reminder is not None else []
    home = session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first() \
        if "bailleur" in roles else None
    if home is not None and home.landlord_id is not None:
        staff = session.exec(select(Advisor).where(
            Advisor.role == Role.BAILLEUR, Advisor.organisation_id == home.landlord_id,
            col(Advisor.active), col(Advisor.chat_opened_at).is_not(None))
            .order_by(col(Advisor.id)))
        found += [a for a in staff if policy.visible(a, household) and a not in found]
    return found


def sent(session: Session, clock: Clock, reminder_id: int, owner: str, advisor_id: int,
         late: bool) -> None:
    reminder = session.get(Reminder, reminder_id)
    # Answered or cancelled while it was on its way: that state stays.
    if reminder is None or reminder.claimed_by != owner or \
            reminder.status != ReminderStatus.SENDING:
        return
    reminder.status, reminder.sent_at = ReminderStatus.SENT, clock.now()
    kind = kinds.find(reminder.kind)
    if kind is not None and kind.notice:  # nothing to answer: it leaves the open items
        reminder.status, reminder.answered_at = ReminderStatus.ANSWERED, clock.now()
    reminder.sent_to_id, reminder.late = advisor_id, late
    session.add(reminder)
    # The household was shown to her, alone or as a line of a grouped message.
    audit.record(session, clock, session.get(Advisor, advisor_id), "reminder.sent",
                 session.get(Household, reminder.household_id), detail=reminder.key)


def release(session: Session, clock: Clock, reminder_id: int, owner: str,
            retry_later: bool = True) -> None:
    """Sending failed: back to due, tried again later (never dropped). `retry_later` False:
    due again at once (its recipient changed: see `recipient`)."""
    reminder = session.get(Reminder, reminder_id)
    if reminder is None or reminder.claimed_by != owner or \
            reminder.status != ReminderStatus.SENDING:
        return
    if retry_later:
        delay = RETRY_DELAYS[min(reminder.attempts, len(RETRY_DELAYS) - 1)]
        reminder.status, reminder.attempts = ReminderStatus.DUE, reminder.attempts + 1
        reminder.due_at = max(reminder.due_at, clock.now() + delay)
    else:
        reminder.status = ReminderStatus.DUE
    reminder.claimed_by = None
    session.add(reminder)


def failed(session: Session, reminder_id: int, owner: str) -> None:
    """It cannot be rendered (its kind's macros are broken or missing): not tried again,
    shown as «rappel non envoyable» in the lists (see `upcoming`)."""
    reminder = session.get(Reminder, reminder_id)
    if reminder is None or reminder.claimed_by != owner or \
            reminder.status != ReminderStatus.SENDING:
        return
    reminder.status, reminder.claimed_by = ReminderStatus.FAILED, None
    session.add(reminder)


@dataclass
class Answered:
    reminder: Reminder
    already: bool  # answered before (twice, or on an old message): nothing done again


def get(session: Session, reminder_id: int) -> Reminder | None:
    return session.get(Reminder, reminder_id)


def close(session: Session, clock: Clock, actor: Advisor, reminder: Reminder, answer: str
          ) -> Answered:
    if reminder.status == ReminderStatus.ANSWERED:
        return Answered(reminder, True)
    reminder.status, reminder.answer = ReminderStatus.ANSWERED, answer
    reminder.answered_at, reminder.answered_by_id = clock.now(), actor.id
    session.add(reminder)
    return Answered(reminder, False)


def snooze(session: Session, clock: Clock, reminder: Reminder, until: datetime) -> None:
    """Reporter: the same reminder, later; its date no longer follows the records."""
    reminder.status, reminder.snoozed = ReminderStatus.DUE, True
    reminder.due_at = slot_after(until, clock.tz)
    reminder.due_on = reminder.due_at.astimezone(clock.tz).date()
    reminder.claimed_by = None
    session.add(reminder)


def upcoming(session: Session, clock: Clock, households: Iterable[Household], until: date
             ) -> list[Reminder]:
    """The open reminders of these households due until `until` (overdue included)."""
    ids = [h.id for h in households]
    if not ids:
        return []
    query = select(Reminder).where(col(Reminder.household_id).in_(ids),
                                   col(Reminder.status).in_(
                                       [ReminderStatus.DUE, ReminderStatus.SENDING,
                                        ReminderStatus.SENT, ReminderStatus.FAILED]),
                                   col(Reminder.due_on) <= until)
    return list(session.exec(query.order_by(col(Reminder.due_on), col(Reminder.id))))


def _replaced_by(reminder: Reminder) -> tuple[str, ...]:
    """The kinds whose newer reminder replaces this one (a notice, then the expiry, then
    relances): `replaced_by` of its kind."""
    kind = kinds.find(reminder.kind)
    return kind.replaced_by if kind is not None else ()


def replacing(session: Session, reminder: Reminder, today: date) -> Reminder | None:
    """The open reminder that took over from a cancelled one (same household, same matter):
    sent, or due already (one still to come is not answered ahead of its time)."""
    newer = _replaced_by(reminder)
    if not newer:
        return None
    found = session.exec(select(Reminder).where(
        Reminder.household_id == reminder.household_id, Reminder.id != reminder.id,
        col(Reminder.kind).in_(newer),
        or_(col(Reminder.status) == ReminderStatus.SENT,
            and_(col(Reminder.status).in_(OPEN), col(Reminder.due_on) <= today)))
        .order_by(col(Reminder.due_on))).all()
    return found[0] if found else None


def answered_sibling(session: Session, reminder: Reminder) -> Reminder | None:
    """The reminder of the same matter answered since this one was created (the certificate
    received on the notice settles the expiry's reminder too), if any."""
    newer = _replaced_by(reminder)
    if not newer:
        return None
    return session.exec(select(Reminder).where(
        Reminder.household_id == reminder.household_id, Reminder.id != reminder.id,
        col(Reminder.kind).in_(newer), Reminder.status == ReminderStatus.ANSWERED,
        col(Reminder.answered_at) >= reminder.created_at)
        .order_by(col(Reminder.answered_at).desc())).first()


def next_review(session: Session, household: Household) -> date | None:
    """The glissement review the open reminders are about (the earliest), if any."""
    found = session.exec(select(Reminder).where(
        Reminder.household_id == household.id,
        col(Reminder.kind).in_(["glissement", "glissement_convene"]),
        col(Reminder.status).in_([*OPEN, ReminderStatus.SENT])))
    reviews = [d for d in (payload_date(r, "review") for r in found) if d is not None]
    return min(reviews, default=None)


def payload_date(reminder: Reminder, name: str) -> date | None:
    value: Any = reminder.payload.get(name)
    return date.fromisoformat(value) if value else None


def digest(session: Session, clock: Clock, advisor: Advisor, until: date, listing: str = "digest",
           whole_team: bool = False) -> list[tuple[Household, list[Reminder]]]:
    """The open reminders of the advisor's households (`whole_team`: every active household,
    for a coordinator) due until `until`, per household; each household listed is audited,
    `listing` saying where (digest, aujourdhui, echeances)."""
    query = select(Household).where(Household.status == "actif")
    if not whole_team:
        query = query.where(Household.advisor_id == advisor.id)
    mine = list(session.exec(query.order_by(*by_reference_order())))
    found = upcoming(session, clock, mine, until)
    by_household: dict[int, list[Reminder]] = {}
    for reminder in found:
        by_household.setdefault(reminder.household_id, []).append(reminder)
    listed = [(h, by_household[h.id or 0]) for h in mine if (h.id or 0) in by_household]
    for household, _due in listed:
        audit.record(session, clock, advisor, "household.list", household, detail=listing)
    return listed


def coordinators(session: Session) -> list[Advisor]:
    return list(session.exec(select(Advisor).where(
        col(Advisor.active), col(Advisor.role).in_([Role.COORDINATRICE, Role.ADMIN]))))


def alert_recipients(session: Session, household: Household) -> list[Advisor]:
    """Who is told of an impayé: its kind's recipients."""
    return addressees(session, household, kinds.get("impaye").recipients)


def addressees(session: Session, household: Household,
               recipients: Iterable[kinds.Recipient]) -> list[Advisor]:
    """The people a kind addresses (`Kind.recipients`), each once: the advisor in charge
    (if active), the coordinators."""
    found: list[Advisor] = []
    for recipient in recipients:
        if recipient == kinds.Recipient.ADVISOR:
            advisor = session.get(Advisor, household.advisor_id) if household.advisor_id \
                else None
            found += [advisor] if advisor is not None and advisor.active else []
        elif recipient == kinds.Recipient.COORDINATORS:
            found += coordinators(session)
    return list({a.id: a for a in found}.values())
