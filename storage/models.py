"""The records. Amounts are integer cents; instants are aware UTC; dates are calendar dates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from storage import addresses
from storage.types import UTCDateTime


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATRICE = "coordinatrice"
    CONSEILLERE = "conseillere"
    BAILLEUR = "bailleur"  # the landlord's staff: bound to one LandlordOrganisation


class EntryPath(StrEnum):
    MEDIATION = "mediation"
    BAILLEUR = "bailleur"
    AUTRE = "autre"


class RunStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


def _utc_column(nullable: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable))


def _enum_column(enum: type[StrEnum], default: StrEnum) -> Any:
    """Stored as its value in a plain VARCHAR: readable, and no PostgreSQL ENUM to migrate."""
    column_type = SAEnum(enum, values_callable=lambda e: [m.value for m in e],
                         native_enum=False, length=20)
    return Field(default=default, sa_column=Column(column_type, nullable=False))


class Advisor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    name: str = ""
    role: Role = _enum_column(Role, Role.CONSEILLERE)
    active: bool = True
    created_at: datetime = _utc_column()
    # The card an advisor has open: where her free notes go. Position is data, not memory.
    # No foreign key (it would make advisor and household depend on each other): it is
    # checked when read, see storage.households.open_household.
    open_household_id: int | None = None
    open_household_at: datetime | None = _utc_column(nullable=True)
    # When she first wrote to the bot: until then (an advisor created by an import) and
    # after Telegram answered 403/400 for her chat, her reminders go to the coordinators.
    chat_opened_at: datetime | None = _utc_column(nullable=True)
    # The type chosen on the note prompt (🗒 Ajouter une note), for the next note she sends.
    next_note_type: str | None = None
    # The note she is moving («↪️ Déplacer»): a household reference typed next is its target.
    moving_note_id: int | None = None
    moving_note_at: datetime | None = _utc_column(nullable=True)
    # A bailleur's organisation: it sees the households shared with it (storage.policy).
    organisation_id: int | None = Field(default=None, foreign_key="landlordorganisation.id")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    role: Role = _enum_column(Role, Role.CONSEILLERE)
    created_by_id: int | None = Field(default=None, foreign_key="advisor.id")  # None: import
    # Bound to one Telegram account (the invitation printed by an import for a new advisor).
    telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = _utc_column()
    expires_at: datetime = _utc_column()
    used_by_id: int | None = Field(default=None, foreign_key="advisor.id")
    used_at: datetime | None = _utc_column(nullable=True)
    # A bailleur's invitation names its organisation.
    organisation_id: int | None = Field(default=None, foreign_key="landlordorganisation.id")


class LandlordAnswer(SQLModel, table=True):
    """What a landlord's user answered on a shared household: a rapport socio-éducatif
    (favorable, a_completer, defavorable), a PPAL co-signed (cosigne, with its signatory), a
    glissement at a review (accord, refus). `subject_id`: the document, plan version or review."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    organisation_id: int = Field(foreign_key="landlordorganisation.id")
    kind: str  # rapport, ppal, revue
    subject_id: int
    answer: str
    comment: str = ""
    signatory: str = ""
    advisor_id: int = Field(foreign_key="advisor.id")  # the landlord's user who answered
    created_at: datetime = _utc_column()


class LandlordOrganisation(SQLModel, table=True):
    """A social landlord (HLO…): its homes link to it, its staff see what is shared with it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: datetime = _utc_column()


class Household(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True)
    last_name: str
    first_name: str
    phone: str = ""
    address: str = ""
    adults: int = 1
    # Years as numbers, a baby's months as "8m" (storage.validators.parse_ages).
    children_ages: list[int | str] = Field(default_factory=list,
                                           sa_column=Column(JSON, nullable=False))
    # kind -> monthly amount in cents
    resources: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    entry_path: EntryPath = _enum_column(EntryPath, EntryPath.AUTRE)
    dalo: bool = False
    pdalpd: bool = False
    accords_collectifs: bool = False
    confidential: bool = False
    confidential_attestation: date | None = None
    advisor_id: int | None = Field(default=None, foreign_key="advisor.id", index=True)
    # The landlord organisation it is shared with («Partager avec le bailleur»), while the
    # support is active: its staff then see it (storage.policy).
    shared_with_id: int | None = Field(default=None, foreign_key="landlordorganisation.id",
                                       index=True)
    status: str = "actif"
    phase: str = "elaboration"
    # Set by hand by the advisor: the phase no longer follows the facts until she clears it.
    phase_manual: bool = False
    support_start: date | None = None
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    # Lower-case, accent-free text of what a lookup may match (never a confidential address).
    search_key: str = ""
    # The day its derived reminders, phase or rent dues change with time alone (the hourly
    # pass re-derives only the households whose day has come; a change of its records
    # re-derives at once). None: never derived yet (the first pass does it).
    next_derivation_on: date | None = Field(default=None, index=True)
    # The end of the support (status "clos"): its day, its reason (a code of
    # storage.households.CLOSURE_REASONS) and, for "autre", what it was. Cleared by a
    # reopening; storage.evaluation reads them, and the 2-year retention counts from the last
    # contact after the end (storage.retention).
    closed_on: date | None = None
    closure_reason: str | None = None
    closure_detail: str | None = None

    @property
    def initials(self) -> str:
        letters = [n.strip()[:1].upper() for n in (self.first_name, self.last_name) if n.strip()]
        return " ".join(f"{c}." for c in letters)

    @property
    def label(self) -> str:
        """What lists and notifications may show: reference and initials, no name."""
        return f"{self.reference} · {self.initials}" if self.initials else self.reference

    @property
    def commune(self) -> str:
        """The commune of the address, for lists; never for a confidential household."""
        return "" if self.confidential else addresses.commune(self.address)

    @property
    def persons(self) -> int:
        return self.adults + len(self.children_ages)

    @property
    def resources_total(self) -> int:
        return sum(self.resources.values())


class FormRun(SQLModel, table=True):
    """One advisor's pass through a form: where she is and every answer given so far."""

    id: int | None = Field(default=None, primary_key=True)
    advisor_id: int = Field(foreign_key="advisor.id", index=True)
    form: str
    household_id: int | None = Field(default=None, foreign_key="household.id")
    step: str | None = None  # current field key; None = the summary
    history: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    editing: bool = False  # answering a correction from the summary: go back to it after
    status: RunStatus = _enum_column(RunStatus, RunStatus.ACTIVE)
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()


class Diagnostic(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    completed_by_id: int = Field(foreign_key="advisor.id")
    completed_at: datetime = _utc_column()


class Note(SQLModel, table=True):
    __table_args__ = (Index("ix_note_household_created", "household_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id")
    advisor_id: int = Field(foreign_key="advisor.id")
    kind: str = "texte"  # texte, vocal, photo, document
    text: str = ""
    file_id: str | None = None
    file_unique_id: str | None = None
    file_path: str | None = None
    file_name: str | None = None
    created_at: datetime = _utc_column()
    # visite (à domicile), appel, rendez_vous, courrier, autre — see storage.notes.NOTE_TYPES
    note_type: str = "autre"
    duration_minutes: int | None = None
    # A note typed by mistake is struck out, never deleted: who and when.
    struck_at: datetime | None = _utc_column(nullable=True)
    struck_by_id: int | None = Field(default=None, foreign_key="advisor.id")
    # Moved from another household's timeline (no foreign key needed to read it back).
    moved_from_id: int | None = None


class AddressChange(SQLModel, table=True):
    """The household's previous address, kept when a new one (its home) became current."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    old_address: str = ""
    new_address: str = ""
    advisor_id: int | None = Field(default=None, foreign_key="advisor.id")
    at: datetime = _utc_column()


class PendingFile(SQLModel, table=True):
    """A photo or file sent with no card open: kept until the advisor says which household."""

    id: int | None = Field(default=None, primary_key=True)
    advisor_id: int = Field(foreign_key="advisor.id", index=True)
    kind: str  # photo, vocal, document
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    caption: str = ""
    note_id: int | None = Field(default=None, foreign_key="note.id")  # once attached
    created_at: datetime = _utc_column()


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column()
    advisor_id: int | None = Field(default=None, foreign_key="advisor.id", index=True)
    action: str
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    detail: str = ""


class ProcessedUpdate(SQLModel, table=True):
    """Telegram updates whose effect is committed: a redelivery after a crash is not re-applied.

    Keyed by the bot (the token's numeric prefix) too: two bots on one database number their
    updates independently. Purged after a week (storage.db.Database.purge_processed)."""

    bot_id: int = Field(default=0, sa_column=Column(BigInteger, primary_key=True,
                                                    autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class InboxUpdate(SQLModel, table=True):
    """An update taken by long polling, kept from its fetch until handled (bot.polling): it is
    confirmed to Telegram once here, so a kill -9 loses nothing and the next poll does not
    fetch again what is being handled. `payload` (the update as Telegram sent it) is cleared
    once handled, the row with the next batch (the highest is the offset after a restart)."""

    bot_id: int = Field(default=0, sa_column=Column(BigInteger, primary_key=True,
                                                    autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: str | None = None
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PlanStatus(StrEnum):
    DRAFT = "brouillon"
    SIGNED = "signe"


class PlanVersion(SQLModel, table=True):
    """One version of a household's PPAL: version 1 is the plan, the next ones its avenants.

    A signed version is never changed (see storage.plans); a change makes a new version."""

    __table_args__ = (UniqueConstraint("household_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    number: int = 1
    status: PlanStatus = _enum_column(PlanStatus, PlanStatus.DRAFT)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    based_on_id: int | None = Field(default=None, foreign_key="planversion.id")
    # The bilan that decided this avenant (no foreign key: a bilan points to its plan).
    bilan_id: int | None = None
    created_by_id: int = Field(foreign_key="advisor.id")
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    signed_on: date | None = None
    signed_by_household: bool = False
    advisor_signatory_id: int | None = Field(default=None, foreign_key="advisor.id")
    landlord_signatory: str | None = None
    signature_recorded_at: datetime | None = _utc_column(nullable=True)

    @property
    def is_amendment(self) -> bool:
        return self.number > 1


class StepProgress(SQLModel, table=True):
    """A follow-up of one objective or step of the plan (its `_uid` in the plan's content)."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    item_uid: str
    status: str  # fait, non_fait, reporte
    new_date: date | None = None
    comment: str = ""
    advisor_id: int = Field(foreign_key="advisor.id")
    at: datetime = _utc_column()


class Bilan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    plan_version_id: int | None = Field(default=None, foreign_key="planversion.id")
    held_on: date
    achieved: str = ""
    difficulties: str = ""
    decisions: str = ""
    next_on: date | None = None
    amendment: bool = False
    advisor_id: int = Field(foreign_key="advisor.id")
    created_at: datetime = _utc_column()


class Document(SQLModel, table=True):
    """Each generated file, kept under BOT_DATA_DIR: what was produced, from what, by whom."""

    id: int | None = Field(default=None, primary_key=True)
    # None: a team document (the yearly evaluation), about no one household.
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    kind: str  # ppal, rapport, bilan, evaluation
    plan_version_id: int | None = Field(default=None, foreign_key="planversion.id")
    bilan_id: int | None = Field(default=None, foreign_key="bilan.id")
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    path: str
    file_name: str
    advisor_id: int = Field(foreign_key="advisor.id")
    created_at: datetime = _utc_column()


class Tenancy(SQLModel, table=True):
    """The household's home, once it has one: lease, rent, housing benefit, insurance."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", unique=True)
    address: str = ""
    typology: str = ""
    landlord: str = ""
    landlord_id: int | None = Field(default=None, foreign_key="landlordorganisation.id")
    entry_date: date | None = None
    rent: int = 0  # cents per month
    charges: int = 0
    due_day: int = 1  # rent due on this day of the month (31 = the month's last day)
    housing_benefit: int = 0  # APL, cents per month
    benefit_paid_to: str = "bailleur"  # bailleur (third-party payment) or menage
    lease: str = "direct"  # direct or sous_location (the MDL sub-lets)
    main_lease_ref: str = ""
    annex: str = ""  # the annex on sub-letting and transfer conditions
    sublease_start: date | None = None
    # The convention's examination period (CCH L442-8-3): its length, and its start when the
    # convention was renewed (None: the sub-lease's signature). The préfet is told 2 months
    # before it ends.
    exam_period_months: int = 12
    exam_period_start: date | None = None
    insurance_expiry: date | None = None
    transferred_on: date | None = None  # glissement done: a direct tenant from then on
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()

    @property
    def monthly_due(self) -> int:
        """What the household owes each month: net of housing benefit paid to the landlord."""
        benefit = self.housing_benefit if self.benefit_paid_to == "bailleur" else 0
        return max(self.rent + self.charges - benefit, 0)

    @property
    def sublet(self) -> bool:
        return self.lease == "sous_location" and self.transferred_on is None


class LedgerEntry(SQLModel, table=True):
    """One line of a household's rent account (storage.ledger). Never changed nor erased: a
    mistake is corrected by a `correction` entry pointing to it, with its reason.

    `amount` is the entry's effect on the debt, in cents: a due (+), a payment (−), an opening
    balance (+), a correction (the difference it makes). `day` is when it takes effect (a
    correction takes the day of the entry it corrects); `created_at` is when it was typed."""

    __table_args__ = (
        Index("ix_ledgerentry_household_day", "household_id", "day"),
        # A month falls due once, whichever process materialises it first.
        Index("uq_ledgerentry_due_month", "household_id", "month", unique=True,
              sqlite_where=text("kind = 'due'"), postgresql_where=text("kind = 'due'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id")
    kind: str  # due, payment, correction, opening
    day: date
    month: date | None = None  # the month a due (or a payment answering a rent check) is for
    amount: int
    payer: str = ""  # payments: menage, caf, fsl, autre
    comment: str = ""  # a payment's comment, a correction's reason
    corrects_id: int | None = Field(default=None, foreign_key="ledgerentry.id")
    advisor_id: int | None = Field(default=None, foreign_key="advisor.id")  # None: the bot
    created_at: datetime = _utc_column()


class RepaymentPlan(SQLModel, table=True):
    """A plan d'apurement: `monthly` more than the rent each month, `months` months from
    `first_month`. A newer plan ends the one before (`ended_on`)."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    monthly: int  # cents
    first_month: date  # first day of the month
    months: int
    advisor_id: int = Field(foreign_key="advisor.id")
    created_at: datetime = _utc_column()
    ended_on: date | None = None


class TransferReview(SQLModel, table=True):
    """A glissement review: the conditions checked, the decision, the landlord's agreement."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    held_on: date
    checklist: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decision: str  # glisser, prolonger, autre
    transfer_on: date | None = None
    landlord_agrees: bool = False
    comment: str = ""
    # Who attended (menage, bailleur, association) and what the bot knew that day (rent
    # balance, insurance expiry, last bilan): the record's facts beside the conditions.
    attendees: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The 6-month date it stands for (asked when held long before), or a supplementary one.
    occurrence: date | None = None
    extra: bool = False
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    advisor_id: int = Field(foreign_key="advisor.id")
    created_at: datetime = _utc_column()


class FreeReminder(SQLModel, table=True):
    """A reminder the advisor set herself (/rappel), or a step the bot opened (prévention)."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    advisor_id: int | None = Field(default=None, foreign_key="advisor.id")
    kind: str = "libre"  # libre, prevention
    due_on: date
    deadline: date | None = None  # prevention: the date by which the CAF must be told
    # prevention: the debt fell back under the threshold that day; the step is cancelled
    cancelled_on: date | None = None
    text: str = ""
    created_at: datetime = _utc_column()


class ReminderStatus(StrEnum):
    DUE = "due"  # waiting for its slot
    SENDING = "sending"  # claimed by a process that is sending it
    SENT = "sent"
    ANSWERED = "answered"
    CANCELLED = "cancelled"  # its reason went away before it was sent
    FAILED = "failed"  # it could not be rendered (its kind is broken): not tried again


class Reminder(SQLModel, table=True):
    """One reminder, derived from the household's records (see reminders.rules), stored with
    its state so that restarts, downtime and a second process change nothing."""

    __table_args__ = (
        UniqueConstraint("household_id", "key"),
        Index("ix_reminder_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id")
    kind: str
    key: str  # what it is about, unique per household: rent:2027-04, bilan:2027-06-15…
    due_on: date
    due_at: datetime = _utc_column()  # the first working slot it may be sent in
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: ReminderStatus = _enum_column(ReminderStatus, ReminderStatus.DUE)
    snoozed: bool = False  # moved by the advisor: its date no longer follows the records
    attempts: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = _utc_column(nullable=True)
    sent_at: datetime | None = _utc_column(nullable=True)
    sent_to_id: int | None = Field(default=None, foreign_key="advisor.id")
    late: bool = False
    answered_at: datetime | None = _utc_column(nullable=True)
    answered_by_id: int | None = Field(default=None, foreign_key="advisor.id")
    answer: str | None = None
    created_at: datetime = _utc_column()


class DigestSent(SQLModel, table=True):
    """The morning digest of one advisor for one day: inserted by the process that sends it."""

    advisor_id: int = Field(foreign_key="advisor.id", primary_key=True)
    day: date = Field(primary_key=True)
    at: datetime = _utc_column()


class RefusedSender(SQLModel, table=True):
    """Someone the gate turned away (a stranger, a deactivated advisor, a group chat), by
    Telegram id: the refusal is said at most once per window, whatever they send meanwhile."""

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    refused_at: datetime = _utc_column()
    # The security event of the current window, whose count grows with each attempt.
    event_id: int | None = None


class SecurityEvent(SQLModel, table=True):
    """A refused attempt: who (Telegram id, advisor if known), what, when, how many times."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column()
    telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    advisor_id: int | None = Field(default=None, foreign_key="advisor.id", index=True)
    kind: str  # stranger, deactivated, group, forged_button, forbidden
    detail: str = ""
    household_id: int | None = Field(default=None, foreign_key="household.id")
    count: int = 1
    last_at: datetime = _utc_column()


class PendingDeletion(SQLModel, table=True):
    """A message the bot must delete later (a confidential address shown on demand): a row, so
    that a restart does not forget it; the reminders' tick deletes it when due."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int
    delete_at: datetime = _utc_column()
    deleted_at: datetime | None = _utc_column(nullable=True)


class LegalHold(SQLModel, table=True):
    """A household kept past its retention (a litigation, a legal duty): placed and lifted by
    hand by a coordinator, audited; while not lifted, no anonymisation."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    reason: str
    placed_by_id: int | None = Field(default=None, foreign_key="advisor.id")
    placed_at: datetime = _utc_column()
    lifted_by_id: int | None = Field(default=None, foreign_key="advisor.id")
    lifted_at: datetime | None = _utc_column(nullable=True)


class RetentionNotice(SQLModel, table=True):
    """The coordinators were told (once) that this household is anonymised on `due_on`."""

    household_id: int = Field(foreign_key="household.id", primary_key=True)
    due_on: date = Field(primary_key=True)
    notified_at: datetime = _utc_column()


class Purge(SQLModel, table=True):
    """A household anonymised at the end of its retention: what went (counts), never what it
    said."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", unique=True)
    at: datetime = _utc_column()
    last_contact: date
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DailyRun(SQLModel, table=True):
    """A job run once a day (the retention pass): inserted by the process that runs it."""

    name: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    at: datetime = _utc_column()
