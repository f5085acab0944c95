"""The team: advisors, roles, invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, col, select

from storage import audit, policy
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Invitation, LandlordOrganisation, Role

INVITATION_VALIDITY = timedelta(hours=48)
# An invitation printed by an import waits for the admin to send it, and only she can use it.
BOUND_INVITATION_VALIDITY = timedelta(days=14)


def by_telegram_id(session: Session, telegram_id: int) -> Advisor | None:
    return session.exec(select(Advisor).where(Advisor.telegram_id == telegram_id)).first()


def identify(session: Session, telegram_id: int, display_name: str = "",
             clock: Clock | None = None) -> Advisor | None:
    """The active advisor behind a Telegram account, or None (stranger or deactivated).

    With the clock (the gate, for each update of her private chat), her chat is marked open.
    """
    advisor = by_telegram_id(session, telegram_id)
    if advisor is None or not advisor.active:
        return None
    if display_name and advisor.name != display_name and not advisor.name:
        advisor.name = display_name
        session.add(advisor)
    if clock is not None and advisor.chat_opened_at is None:
        advisor.chat_opened_at = clock.now()  # she writes: her chat with the bot exists
        session.add(advisor)
    return advisor


def unreachable(session: Session, advisor_id: int) -> None:
    """Telegram refused her chat (403 blocked, 400 chat not found): no more calls to it until
    she writes again; meanwhile her reminders go to the coordinators."""
    advisor = session.get(Advisor, advisor_id)
    if advisor is not None and advisor.chat_opened_at is not None:
        advisor.chat_opened_at = None
        session.add(advisor)


def reachable(advisor: Advisor) -> bool:
    return advisor.active and advisor.chat_opened_at is not None


def ensure_admins(session: Session, clock: Clock, telegram_ids: list[int]) -> None:
    """The administrators named in the settings exist and are active admins."""
    for telegram_id in telegram_ids:
        advisor = by_telegram_id(session, telegram_id)
        if advisor is None:
            advisor = Advisor(telegram_id=telegram_id, role=Role.ADMIN, created_at=clock.now())
        advisor.role, advisor.active = Role.ADMIN, True
        session.add(advisor)


def get_or_create(session: Session, clock: Clock, telegram_id: int, name: str) -> Advisor:
    """For imports: an unknown advisor is created as a conseillère."""
    advisor = by_telegram_id(session, telegram_id)
    if advisor is None:
        advisor = Advisor(telegram_id=telegram_id, name=name, created_at=clock.now())
        session.add(advisor)
        session.flush()
    return advisor


def invite(session: Session, clock: Clock, actor: Advisor, role: Role,
           organisation_id: int | None = None) -> Invitation:
    """A one-time link; a bailleur's names its landlord organisation (and only it does)."""
    policy.require(session, clock, actor, "team.invite")
    if (role == Role.BAILLEUR) != (organisation_id is not None) or (
            organisation_id is not None
            and session.get(LandlordOrganisation, organisation_id) is None):
        raise Refused("organisation_needed")
    now = clock.now()
    invitation = Invitation(
        code=secrets.token_urlsafe(12),
        role=role,
        organisation_id=organisation_id,
        created_by_id=actor.id or 0,
        created_at=now,
        expires_at=now + INVITATION_VALIDITY,
    )
    session.add(invitation)
    audit.record(session, clock, actor, "invitation.create", detail=role.value)
    return invitation


def invite_imported(session: Session, clock: Clock, advisor: Advisor) -> Invitation:
    """The `/start` code for an advisor created by an import (command line: no actor), usable
    by her Telegram account only."""
    now = clock.now()
    invitation = Invitation(code=secrets.token_urlsafe(12), role=advisor.role,
                            created_at=now, expires_at=now + BOUND_INVITATION_VALIDITY,
                            telegram_id=advisor.telegram_id)
    session.add(invitation)
    audit.record(session, clock, None, "invitation.create",
                 detail=f"{advisor.role.value} -> {advisor.telegram_id}")
    return invitation


def accept(session: Session, clock: Clock, code: str, telegram_id: int, name: str) -> Advisor:
    """Use a one-time invitation. Raises Refused('invitation_invalid') otherwise."""
    invitation = session.exec(select(Invitation).where(Invitation.code == code)).first()
    now = clock.now()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now \
            or invitation.telegram_id not in (None, telegram_id):
        raise Refused("invitation_invalid")
    advisor = by_telegram_id(session, telegram_id)
    if advisor is None:
        advisor = Advisor(telegram_id=telegram_id, created_at=now)
    advisor.name = name or advisor.name
    advisor.role, advisor.active = invitation.role, True
    advisor.organisation_id = invitation.organisation_id
    advisor.chat_opened_at = now  # she wrote /start to the bot
    session.add(advisor)
    session.flush()
    invitation.used_by_id, invitation.used_at = advisor.id, now
    session.add(invitation)
    audit.record(session, clock, advisor, "invitation.accept", detail=invitation.role.value)
    return advisor


def team(session: Session) -> list[Advisor]:
    query = select(Advisor).order_by(col(Advisor.active).desc(), col(Advisor.name))
    return list(session.exec(query))


def assignable(session: Session, actor: Advisor) -> list[Advisor]:
    """Who a new household may be given to: herself for a conseillère, anyone for the others."""
    if not policy.allowed(actor, "household.assign"):
        return [actor]
    query = select(Advisor).where(col(Advisor.active)).order_by(col(Advisor.name))
    return list(session.exec(query))


def member(session: Session, clock: Clock, actor: Advisor, advisor_id: int) -> Advisor:
    """A member of the team, for an administrator about to change her access."""
    policy.require(session, clock, actor, "team.roles")
    advisor = session.get(Advisor, advisor_id)
    if advisor is None:
        raise Refused("advisor_unknown")
    return advisor


def set_active(
    session: Session, clock: Clock, actor: Advisor, advisor_id: int, active: bool
) -> Advisor:
    advisor = member(session, clock, actor, advisor_id)
    if advisor.id == actor.id and not active:
        raise Refused("cannot_deactivate_self")
    advisor.active = active
    session.add(advisor)
    audit.record(session, clock, actor, "advisor.activate" if active else "advisor.deactivate",
                 detail=str(advisor.telegram_id))
    return advisor


def pending_invitations(session: Session, clock: Clock) -> list[Invitation]:
    """Invitations not used yet and still valid, oldest first (/equipe)."""
    return list(session.exec(select(Invitation).where(
        col(Invitation.used_at).is_(None), col(Invitation.expires_at) > clock.now())
        .order_by(col(Invitation.created_at), col(Invitation.id))))


def pending_invitation(session: Session, clock: Clock, actor: Advisor, invitation_id: int
                       ) -> Invitation:
    """An invitation an administrator is about to revoke (Refused once used, expired or
    revoked: the old button then changes nothing)."""
    policy.require(session, clock, actor, "invitation.revoke")
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.used_at is not None \
            or invitation.expires_at <= clock.now():
        raise Refused("invitation_gone")
    return invitation


def revoke(session: Session, clock: Clock, actor: Advisor, invitation_id: int) -> Invitation:
    """The link no longer lets anyone in: it expires now (the audit log says it was revoked)."""
    invitation = pending_invitation(session, clock, actor, invitation_id)
    invitation.expires_at = clock.now()
    session.add(invitation)
    audit.record(session, clock, actor, "invitation.revoke",
                 detail=f"{invitation.id} {invitation.role.value}")
    return invitation


def set_role(session: Session, clock: Clock, actor: Advisor, advisor_id: int, role: Role
             ) -> Advisor:
    """An administrator changes someone's role; the last active administrator keeps hers."""
    advisor = member(session, clock, actor, advisor_id)
    if advisor.role == Role.ADMIN and role != Role.ADMIN:
        others = session.exec(select(Advisor).where(
            Advisor.role == Role.ADMIN, col(Advisor.active), Advisor.id != advisor.id)).first()
        if others is None:
            raise Refused("last_admin")
    if advisor.role != role:
        audit.record(session, clock, actor, "advisor.role",
                     detail=f"{advisor.telegram_id}: {advisor.role.value} -> {role.value}")
        advisor.role = role
        session.add(advisor)
    return advisor
