"""The PPAL: drafts, signature, avenants, follow-up of its objectives and steps, bilans.

A signed version is never changed: a change is a new version (an avenant) that is signed in
turn. The guard below refuses, at flush time, any change to a version loaded as signed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import get_history
from sqlmodel import Session, col, func, select

from reminders.calendar import next_working_day
from storage import audit
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Bilan, Household, PlanStatus, PlanVersion, StepProgress

LISTS = {"objectifs": "o", "demarches": "d"}  # list field -> prefix of its items' uids
PROGRESS = ("fait", "non_fait", "reporte")
# Bilans proposed from the meeting rhythm: one every N months over the first year.
BILAN_MONTHS = {"hebdomadaire": 2, "quinzaine": 3, "mensuel": 3, "trimestriel": 6}
PLAN_MONTHS = 12


class SignedPlanChanged(RuntimeError):
    """A signed version of a PPAL was about to be changed."""


@event.listens_for(OrmSession, "before_flush")
def _signed_versions_do_not_change(session: OrmSession, _context: Any, _instances: Any) -> None:
    for obj in session.dirty:
        if not isinstance(obj, PlanVersion) or not session.is_modified(obj):
            continue
        status = get_history(obj, "status")
        was = (status.deleted or status.unchanged or [None])[0]
        if was == PlanStatus.SIGNED:
            raise SignedPlanChanged(f"PPAL version {obj.id} is signed")
    for obj in session.deleted:
        if isinstance(obj, PlanVersion) and obj.status == PlanStatus.SIGNED:
            raise SignedPlanChanged(f"PPAL version {obj.id} is signed")


def versions(session: Session, household: Household) -> list[PlanVersion]:
    query = select(PlanVersion).where(PlanVersion.household_id == household.id)
    return list(session.exec(query.order_by(col(PlanVersion.number))))


def current(session: Session, household: Household) -> PlanVersion | None:
    """The version in force: the latest signed one."""
    signed = [v for v in versions(session, household) if v.status == PlanStatus.SIGNED]
    return signed[-1] if signed else None


def draft(session: Session, household: Household) -> PlanVersion | None:
    found = [v for v in versions(session, household) if v.status == PlanStatus.DRAFT]
    return found[-1] if found else None


def get_version(session: Session, household: Household, version_id: int) -> PlanVersion:
    version = session.get(PlanVersion, version_id)
    if version is None or version.household_id != household.id:
        raise Refused("plan_unknown")
    return version


def uid_prefix(key: str) -> str:
    """The prefix of a list's item uids: `o3` is an objective, `d2` a step, `b1` a bilan."""
    return LISTS.get(key, key[:1])


def new_uid(prefix: str, known: Iterable[str]) -> str:
    """A uid with `prefix` whose number is above every one in `known` (never reused)."""
    numbers = [int(u[len(prefix):]) for u in known
               if u.startswith(prefix) and u[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def used_uids(session: Session, household: Household) -> list[str]:
    """Every item uid this household's plans ever had, and those followed up."""
    used = [i.get("_uid", "") for v in versions(session, household)
            for key in LISTS for i in v.content.get(key) or []]
    used += list(session.exec(select(StepProgress.item_uid).where(
        StepProgress.household_id == household.id)))
    return used


def _with_uids(session: Session, household: Household, content: dict[str, Any]
               ) -> dict[str, Any]:
    """Objectives and steps keep their `_uid` across versions (the form engine gives one to
    each item it creates, see `new_uid`); an item without one gets a number never used by
    this household's plans, so that no follow-up of a removed item is inherited."""
    content = dict(content)
    used = used_uids(session, household)
    for key, prefix in LISTS.items():
        items = [dict(i) for i in content.get(key) or []]
        for item in items:
            if not item.get("_uid"):
                item["_uid"] = new_uid(prefix, [i.get("_uid", "") for i in items] + used)
        content[key] = items
    return content


def save_draft(session: Session, clock: Clock, actor: Advisor, household: Household,
               content: dict[str, Any], bilan_id: int | None = None) -> PlanVersion:
    """A confirmed PPAL form: the draft is updated, or a new version is opened (an avenant
    when a signed version exists)."""
    now = clock.now()
    base = current(session, household)
    version = draft(session, household)
    if version is None:
        last = session.exec(select(func.max(PlanVersion.number)).where(
            PlanVersion.household_id == household.id)).one()
        version = PlanVersion(household_id=household.id or 0, number=(last or 0) + 1,
                              based_on_id=base.id if base else None, bilan_id=bilan_id,
                              created_by_id=actor.id or 0, created_at=now, updated_at=now)
    version.content = _with_uids(session, household,
                                 {k: v for k, v in content.items() if not k.startswith("_")})
    version.updated_at = now
    if bilan_id is not None:
        version.bilan_id = bilan_id
    session.add(version)
    session.flush()
    audit.record(session, clock, actor, "ppal.save", household, detail=f"v{version.number}")
    return version


def sign(session: Session, clock: Clock, actor: Advisor, household: Household, version_id: int,
         signed_on: date, landlord_signatory: str | None, seen: str | None = None
         ) -> PlanVersion:
    """Record the signature of the draft as it was when the signature was started (`seen`:
    its `updated_at`): a draft changed since is not what the household signed."""
    version = get_version(session, household, version_id)
    if version.status == PlanStatus.SIGNED:
        raise Refused("already_signed")
    if seen is not None and version.updated_at.isoformat() != seen:
        raise Refused("draft_changed")
    version.status = PlanStatus.SIGNED
    version.signed_on, version.signed_by_household = signed_on, True
    version.advisor_signatory_id = actor.id
    version.landlord_signatory = landlord_signatory or None
    version.signature_recorded_at = clock.now()
    session.add(version)
    session.flush()
    audit.record(session, clock, actor, "ppal.sign", household, detail=f"v{version.number}")
    return version


def in_force(session: Session, household: Household) -> PlanVersion:
    """The signed version, for what needs one (follow-up, bilan); refused without one."""
    version = current(session, household)
    if version is None:
        raise Refused("no_signed_plan")
    return version


def signature_context(session: Session, household: Household) -> dict[str, Any]:
    """What the signature form is about: the draft, as it is now (see `sign`'s `seen`)."""
    version = draft(session, household)
    if version is None:
        raise Refused("no_draft")
    return {"_version": version.id, "_seen": version.updated_at.isoformat()}


# --- follow-up ---------------------------------------------------------------------------------

@dataclass
class Item:
    uid: str
    kind: str  # objectifs, demarches
    text: str
    who: str | None
    partner: str | None
    due: date | None  # the date planned, or the new one when postponed
    status: str  # a_faire, fait, non_fait, reporte
    comment: str


def _progress(session: Session, household: Household) -> dict[str, StepProgress]:
    query = select(StepProgress).where(StepProgress.household_id == household.id)
    latest: dict[str, StepProgress] = {}
    for row in session.exec(query.order_by(col(StepProgress.at), col(StepProgress.id))):
        latest[row.item_uid] = row
    return latest


def items(session: Session, household: Household, version: PlanVersion) -> list[Item]:
    progress = _progress(session, household)
    found = []
    for kind in LISTS:
        for raw in version.content.get(kind) or []:
            uid = raw.get("_uid", "")
            last = progress.get(uid)
            planned = raw.get("echeance") or raw.get("date")
            due = date.fromisoformat(planned) if planned else None
            if last is not None and last.status == "reporte" and last.new_date:
                due = last.new_date
            found.append(Item(uid=uid, kind=kind, text=raw.get("texte", ""), who=raw.get("qui"),
                              partner=raw.get("partenaire"), due=due,
                              status=last.status if last else "a_faire",
                              comment=last.comment if last else ""))
    return found


def item_context(session: Session, household: Household, uid: str) -> dict[str, Any]:
    """What the follow-up form is about: one item of the plan in force."""
    version = in_force(session, household)
    found = [i for i in items(session, household, version) if i.uid == uid]
    if not found:
        raise Refused("plan_item_unknown")
    return {"_uid": uid, "_about": found[0].text}


def record_progress(session: Session, clock: Clock, actor: Advisor, household: Household,
                    uid: str, status: str, new_date: date | None, comment: str) -> StepProgress:
    version = current(session, household)
    if version is None or uid not in {i.uid for i in items(session, household, version)}:
        raise Refused("plan_item_unknown")
    if status not in PROGRESS:
        raise Refused("plan_item_status")
    row = StepProgress(household_id=household.id or 0, item_uid=uid, status=status,
                       new_date=new_date if status == "reporte" else None, comment=comment,
                       advisor_id=actor.id or 0, at=clock.now())
    session.add(row)
    audit.record(session, clock, actor, "ppal.progress", household, detail=f"{uid} {status}")
    return row


@dataclass
class Progress:
    current: PlanVersion | None
    draft: PlanVersion | None
    steps_done: int
    steps_total: int
    next_due: list[Item]
    next_bilan: date | None


def overview(session: Session, clock: Clock, household: Household, limit: int = 3) -> Progress:
    version = current(session, household)
    found = items(session, household, version) if version else []
    steps = [i for i in found if i.kind == "demarches"]
    open_items = sorted((i for i in found if i.status not in ("fait",) and i.due),
                        key=lambda i: i.due or date.max)
    planned = next_bilan(version, clock.today()) if version else None
    decided = max((b for b in bilans(session, household)), key=lambda b: b.held_on,
                  default=None)
    if decided is not None and decided.next_on and decided.next_on >= clock.today():
        planned = decided.next_on  # the last bilan's decision overrides the plan's schedule
    return Progress(current=version, draft=draft(session, household),
                    steps_done=sum(1 for s in steps if s.status == "fait"),
                    steps_total=len(steps), next_due=open_items[:limit], next_bilan=planned)


def bilan_dates(version: PlanVersion) -> list[date]:
    return sorted(date.fromisoformat(b["date"]) for b in version.content.get("bilans") or []
                  if b.get("date"))


def next_bilan(version: PlanVersion, today: date) -> date | None:
    return next((d for d in bilan_dates(version) if d >= today), None)


def propose_bilans(start: date, rhythm: str | None) -> list[date]:
    """Bilans every few months from the start, each on a working day (a Saturday, a Sunday or
    a public holiday moves to the next working day; the question says so)."""
    months = BILAN_MONTHS.get(rhythm or "", 3)
    return [next_working_day(_add_months(start, m))
            for m in range(months, PLAN_MONTHS + 1, months)]


def _add_months(day: date, months: int) -> date:
    """31 January + 1 month = the last day of February."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def record_bilan(session: Session, clock: Clock, actor: Advisor, household: Household,
                 answers: dict[str, Any]) -> Bilan:
    version = current(session, household)
    bilan = Bilan(household_id=household.id or 0, plan_version_id=version.id if version else None,
                  held_on=date.fromisoformat(answers["date"]),
                  achieved=answers.get("realise") or "",
                  difficulties=answers.get("difficultes") or "",
                  decisions=answers.get("decisions") or "",
                  next_on=date.fromisoformat(answers["prochain"]) if answers.get("prochain")
                  else None,
                  amendment=bool(answers.get("avenant")), advisor_id=actor.id or 0,
                  created_at=clock.now())
    session.add(bilan)
    session.flush()
    audit.record(session, clock, actor, "bilan.create", household)
    return bilan


def bilans(session: Session, household: Household) -> list[Bilan]:
    query = select(Bilan).where(Bilan.household_id == household.id)
    return list(session.exec(query.order_by(col(Bilan.held_on))))


# --- what an avenant changes ---------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One line of an avenant's «Ce qui change»: an objective or step added, removed, changed
    (each field before and after), or done since the previous version was signed."""

    kind: str  # objectifs, demarches
    what: str  # fait, modifie, ajoute, retire
    text: str  # the item's text (the new one when it changed)
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (field, before, after)
    done_at: datetime | None = None
    comment: str = ""


CHANGE_ORDER = ("fait", "modifie", "ajoute", "retire")


def changes(previous: PlanVersion, version: PlanVersion, progress: dict[str, StepProgress]
            ) -> list[Change]:
    """What `version` changes from `previous`, items matched by `_uid`. An item is done when
    its latest follow-up (`progress`, by uid) says «fait», recorded after `previous` was
    signed and, once `version` is signed, before that: later follow-ups are not this
    avenant's."""
    since = previous.signature_recorded_at or previous.created_at
    until = version.signature_recorded_at
    found: list[Change] = []
    for kind in LISTS:
        before = {i.get("_uid"): i for i in previous.content.get(kind) or []}
        after = {i.get("_uid"): i for i in version.content.get(kind) or []}
        for uid, old in before.items():
            row = progress.get(uid or "")
            if row is not None and row.status == "fait" and row.at >= since \
                    and (until is None or row.at <= until):
                found.append(Change(kind, "fait", old.get("texte", ""),
                                    done_at=row.at, comment=row.comment))
        for uid, new in after.items():
            old = before.get(uid)
            if old is None:
                found.append(Change(kind, "ajoute", new.get("texte", ""),
                                    fields=tuple((k, None, v) for k, v in new.items()
                                                 if not k.startswith("_") and k != "texte" and v)))
                continue
            keys = [k for k in {**old, **new} if not k.startswith("_")]
            differ = tuple((k, old.get(k), new.get(k)) for k in keys
                           if (old.get(k) or None) != (new.get(k) or None))
            if differ:
                found.append(Change(kind, "modifie", new.get("texte", ""), fields=differ))
        found += [Change(kind, "retire", old.get("texte", ""))
                  for uid, old in before.items() if uid not in after]
    return sorted(found, key=lambda c: CHANGE_ORDER.index(c.what))


@dataclass
class PlanDocument:
    """What the PPAL's document is made of; an avenant's previous version and its changes."""

    household: Household
    version: PlanVersion
    history: list[PlanVersion]
    advisor: Advisor | None
    signatory: Advisor | None
    previous: PlanVersion | None = None
    changes: list[Change] = field(default_factory=list)


def plan_document(session: Session, household: Household, version_id: int | None
                  ) -> PlanDocument:
    """The version asked, else the draft being prepared, else the one in force."""
    version = get_version(session, household, version_id) if version_id else \
        draft(session, household) or current(session, household)
    if version is None:
        raise Refused("no_plan")
    advisor = session.get(Advisor, household.advisor_id) if household.advisor_id else None
    signatory = session.get(Advisor, version.advisor_signatory_id) \
        if version.advisor_signatory_id else None
    previous = session.get(PlanVersion, version.based_on_id) if version.based_on_id else None
    found = changes(previous, version, _progress(session, household)) if previous else []
    return PlanDocument(household, version, versions(session, household), advisor, signatory,
                        previous, found)


@dataclass
class BilanDocument:
    household: Household
    bilan: Bilan
    version: PlanVersion | None
    items: list[Item]
    advisor: Advisor | None


def bilan_document(session: Session, household: Household, bilan: Bilan) -> BilanDocument:
    version = session.get(PlanVersion, bilan.plan_version_id) if bilan.plan_version_id else None
    found = items(session, household, version) if version else []
    advisor = session.get(Advisor, household.advisor_id) if household.advisor_id else None
    return BilanDocument(household, bilan, version, found, advisor)
