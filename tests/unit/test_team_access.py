"""Pending invitations revoked and roles changed by an administrator, audited."""

from datetime import timedelta

import pytest
from sqlmodel import select

from storage import advisors
from storage.errors import Refused
from storage.models import AuditLog, Role
from tests.unit.factories import make_advisor


def test_a_pending_invitation_is_listed_then_revoked_once(session, clock):
    admin = make_advisor(session, clock, 1, "Claire", Role.ADMIN)
    lea = make_advisor(session, clock, 3, "Léa")
    used = advisors.invite(session, clock, admin, Role.CONSEILLERE)
    advisors.accept(session, clock, used.code, 5, "Zoé")
    waiting = advisors.invite(session, clock, admin, Role.COORDINATRICE)
    old = advisors.invite(session, clock, admin, Role.CONSEILLERE)
    old.expires_at = clock.now() - timedelta(seconds=1)
    assert advisors.pending_invitations(session, clock) == [waiting]
    with pytest.raises(Refused):
        advisors.revoke(session, clock, lea, waiting.id)
    advisors.revoke(session, clock, admin, waiting.id)
    assert advisors.pending_invitations(session, clock) == []
    with pytest.raises(Refused) as refused:  # a second press changes nothing
        advisors.revoke(session, clock, admin, waiting.id)
    assert refused.value.code == "invitation_gone"
    with pytest.raises(Refused) as refused:
        advisors.accept(session, clock, waiting.code, 6, "Inconnue")
    assert refused.value.code == "invitation_invalid"
    assert session.exec(select(AuditLog).where(AuditLog.action == "invitation.revoke")).one()


def test_roles_change_but_the_last_admin_keeps_hers(session, clock):
    admin = make_advisor(session, clock, 1, "Claire", Role.ADMIN)
    lea = make_advisor(session, clock, 3, "Léa")
    with pytest.raises(Refused):
        advisors.set_role(session, clock, lea, admin.id, Role.CONSEILLERE)
    with pytest.raises(Refused) as refused:
        advisors.set_role(session, clock, admin, admin.id, Role.COORDINATRICE)
    assert refused.value.code == "last_admin" and admin.role == Role.ADMIN
    advisors.set_role(session, clock, admin, lea.id, Role.ADMIN)
    advisors.set_role(session, clock, admin, admin.id, Role.COORDINATRICE)
    assert (lea.role, admin.role) == (Role.ADMIN, Role.COORDINATRICE)
    changes = [a.detail for a in session.exec(
        select(AuditLog).where(AuditLog.action == "advisor.role").order_by(AuditLog.id))]
    assert changes == ["3: conseillere -> admin", "1: admin -> coordinatrice"]
