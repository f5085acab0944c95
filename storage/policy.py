"""Who may do what: one table of role × action, and one visibility rule per role.

Every use case asks `require` before it reads or writes a household (or, for the team-wide
actions, before it acts at all); keyboards ask `allowed_actions` which buttons to show, so a
button is never offered for an action the use case would refuse. An action not in a role's
row is refused; a household the role may not see is refused as unknown and kept as a
security event (storage.security), whatever the action."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, false, true
from sqlmodel import Session, col

from storage import security
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Household, Role

# Actions on one household (checked with the household, whose visibility comes first).
HOUSEHOLD_ACTIONS = frozenset({
    "household.view",      # the card, a search result, a list line
    "household.edit",      # identity, contact, the home (tenancy form)
    "household.notes",     # read and write notes, files, the timeline
    "household.address",   # the audited 🔒 reveal of a confidential address
    "diagnostic.edit",
    "plan.view",           # the PPAL, its versions, its follow-up
    "plan.edit",           # draft, avenant, steps done, bilans
    "plan.sign",           # the household's signature recorded
    "rapport.view",        # the rapport socio-éducatif
    "rapport.write",
    "rent.view",           # the rent account
    "rent.record",         # a payment, a due, a correction, a plan d'apurement
    "reminder.answer",     # a reminder's one-tap answers, a free reminder
    "review.record",       # a glissement review held, its conditions and outcome
    "household.share",     # «Partager avec le bailleur»: its home's landlord sees it
    "rapport.answer",      # the landlord answers the rapport socio-éducatif
    "plan.cosign",         # the landlord co-signs the PPAL
    "review.agree",        # the landlord's agreement or refusal to a glissement
    "household.reassign",  # give it to another advisor
    "household.close",     # the support ends
    "household.reopen",    # a closed support starts again
    "retention.hold",      # keep it past the retention period (legal hold)
    "export",              # the RGPD export of one household
    "audit.view",          # the household's access journal
})

# Actions on the team or the whole caseload (checked without a household).
TEAM_ACTIONS = frozenset({
    "household.create",    # open a new household (given to oneself)
    "household.assign",    # a new household given to someone else than oneself
    "team.view",           # /equipe, /menages of the whole team
    "team.invite",         # /inviter
    "team.roles",          # change a member's role, deactivate or reactivate her
    "invitation.revoke",
    "evaluation.view",     # /evaluation
    "audit.export",        # hlm-bot audit-export equivalent in the chat
})

ACTIONS = HOUSEHOLD_ACTIONS | TEAM_ACTIONS

_ADVISOR = frozenset({
    "household.view", "household.edit", "household.notes", "household.address",
    "diagnostic.edit", "plan.view", "plan.edit", "plan.sign",
    "rapport.view", "rapport.write", "rent.view", "rent.record", "reminder.answer", "review.record",
    "household.close", "household.share", "household.create",
})
# The landlord's staff: the shared household's landlord side, and its own three answers.
_LANDLORD = frozenset({
    "household.view", "rent.view", "rapport.view", "plan.view",
    "rapport.answer", "plan.cosign", "review.agree",
})
_COORDINATION = _ADVISOR | {
    "household.assign", "household.reassign", "household.reopen", "retention.hold",
    "team.view", "evaluation.view", "audit.export",
    "export", "audit.view",  # the right of access and the journal (issue 11: coordination)
}

TABLE: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(_COORDINATION | {"team.invite", "team.roles", "invitation.revoke"}),
    Role.COORDINATRICE: frozenset(_COORDINATION),
    Role.CONSEILLERE: _ADVISOR,
    Role.BAILLEUR: _LANDLORD,
}


def _every_household(_actor: Advisor, _household: Household) -> bool:
    return True


def _followed_by_her(actor: Advisor, household: Household) -> bool:
    return household.advisor_id == actor.id


def _shared_with_its_organisation(actor: Advisor, household: Household) -> bool:
    """Sharing ends when the support ends (closed: no longer seen)."""
    return (actor.organisation_id is not None and household.status == "actif"
            and household.shared_with_id == actor.organisation_id)


# Which households a role sees at all: as a test on one household, and as a WHERE clause.
VISIBILITY: dict[Role, Callable[[Advisor, Household], bool]] = {
    Role.ADMIN: _every_household,
    Role.COORDINATRICE: _every_household,
    Role.CONSEILLERE: _followed_by_her,
    Role.BAILLEUR: _shared_with_its_organisation,
}


def _where(actor: Advisor) -> ColumnElement[bool]:
    rule = VISIBILITY[actor.role]
    if rule is _every_household:
        return true()
    if rule is _shared_with_its_organisation:
        if actor.organisation_id is None:
            return false()
        return and_(col(Household.shared_with_id) == actor.organisation_id,
                    col(Household.status) == "actif")
    return col(Household.advisor_id) == actor.id


def own_filter(actor: Advisor) -> ColumnElement[bool]:
    """Her «mes ménages»: those she follows; for the landlord's staff, those shared with it."""
    if VISIBILITY[actor.role] is _shared_with_its_organisation:
        return _where(actor)
    return col(Household.advisor_id) == actor.id


def visible(actor: Advisor, household: Household) -> bool:
    return actor.active and VISIBILITY[actor.role](actor, household)


def visible_filter(actor: Advisor) -> ColumnElement[bool]:
    """The households the actor may see, for a list query: `select(Household).where(...)`."""
    return _where(actor)


def allowed(actor: Advisor, action: str, household: Household | None = None) -> bool:
    """Whether the actor may do the action (on the household, when it is one's action)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not actor.active or action not in TABLE[actor.role]:
        return False
    if action in HOUSEHOLD_ACTIONS:
        return household is not None and visible(actor, household)
    return True


def grants(role: Role, action: str) -> bool:
    """Whether the role has the action at all (on some household, for a household's one)."""
    return action in TABLE[role]


def allowed_actions(actor: Advisor, household: Household) -> frozenset[str]:
    """What the actor may do on this household: the buttons her card shows."""
    if not visible(actor, household):
        return frozenset()
    return frozenset(a for a in TABLE[actor.role] if a in HOUSEHOLD_ACTIONS)


def require(session: Session, clock: Clock, actor: Advisor, action: str,
            household: Household | None = None) -> None:
    """Refuse unless allowed. A household the actor may not see is refused as unknown (its
    existence is not told) and kept as a security event; a role lacking the action on a
    household it sees is refused as forbidden, and kept too."""
    if allowed(actor, action, household):
        return
    if household is not None and action not in TABLE[actor.role]:
        # Her role has no such action on any household: said as such (it tells nothing of
        # this household), and kept.
        raise security.refused("forbidden", clock, actor, household, action)
    if household is None:
        if action in HOUSEHOLD_ACTIONS:
            raise Refused("household_unknown")
        raise Refused("admin_only" if action in TABLE[Role.ADMIN] - TABLE[Role.COORDINATRICE]
                      else "forbidden")
    if not visible(actor, household):
        raise security.refused("household_unknown", clock, actor, household, action)
    raise security.refused("forbidden", clock, actor, household, action)
