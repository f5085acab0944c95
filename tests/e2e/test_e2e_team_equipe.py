"""/equipe for a coordinator: each advisor's figures, the pending invitations (one revoked,
after a confirmation naming it), a role changed."""

from __future__ import annotations

from flows import invite, open_household


async def test_equipe_figures_an_invitation_revoked_and_a_role_changed(tg, bot, admin):
    lea = await invite(tg, admin, 2002, "Léa")
    await open_household(admin, "Dupont", "Hélène", advisor=r"Léa")
    await admin.send("/inviter")
    await admin.expect(r"Quel rôle")
    await admin.click(r"Coordinatrice")
    link = await admin.expect(r"start=")
    code = link.text.split("start=")[1].split()[0]
    await admin.send("/equipe")
    team = await admin.expect(r"L'équipe")
    assert "Léa : 1 ménage(s) · 0 en retard" in team.text
    assert "Invitations en attente" in team.text and "Coordinatrice du 15/03/2027" in team.text
    await admin.click(r"Révoquer l'invitation Coordinatrice", message=team)
    await admin.expect(r"Révoquer l'invitation Coordinatrice du 15/03/2027")
    await admin.click(r"Oui, révoquer")
    after = await admin.expect(r"révoquée")
    assert "Invitations en attente" not in after.text
    # The link no longer lets anyone in.
    stranger = tg.user(3003, first_name="Inès", language_code="fr")
    await stranger.send(f"/start {code}")
    await stranger.expect(r"n'est pas ou plus valable")
    # Léa becomes coordinatrice: she then sees every household.
    await admin.click(r"Rôle de Léa", message=after)
    await admin.expect(r"Quel rôle pour Léa")
    await admin.click(r"^Coordinatrice$")
    await admin.expect(r"Donner à Léa le rôle Coordinatrice")
    await admin.click(r"Oui, changer le rôle")
    await admin.expect(r"Léa a maintenant le rôle Coordinatrice")
    await lea.send("/menages")
    await lea.expect(r"Tous les ménages")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
