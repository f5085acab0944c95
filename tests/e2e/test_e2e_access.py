"""Who gets in: strangers, invitations, roles, deactivation, group chats."""

from __future__ import annotations

from flows import invite, open_household


async def test_stranger_is_refused_everywhere_with_his_id(tg, bot, admin):
    await open_household(admin, "Secret", "Sandrine")
    old_card = admin.last
    stranger = tg.user(4242, first_name="Eve", language_code="fr")
    # A button of an advisor's message pressed by a stranger (forwarded, say).
    callback = await stranger.click(r"Diagnostic", message=old_card)
    await tg.wait_answered(callback)
    assert "4242" in (callback.answer or {}).get("text", "")
    # Said once per 10 minutes (test_e2e_privacy_gate): the rest is dropped, unanswered.
    for text in ("/start", "bonjour", "/cherche secret", "/nouveau"):
        await stranger.send(text)
    await stranger.send_photo(b"\x89PNG fake", filename="carte.png")
    await stranger.expect_silence(1.0)
    assert all("Sandrine" not in m.text for m in stranger.history)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_invitation_gives_the_chosen_role_once(tg, bot, admin):
    sophie = await invite(tg, admin, 2002, "Sophie", role="Coordinatrice")
    await sophie.send("/equipe")
    team = await sophie.expect(r"L'équipe")
    assert "Sophie — Coordinatrice" in team.text
    assert "Claire Martin — Administrateur" in team.text
    # The same link does not work twice.
    link = [m for m in admin.history if "start=" in m.text][-1].text
    code = link.split("start=")[1].split()[0]
    intruder = tg.user(3003, first_name="Marc")
    await intruder.send(f"/start {code}")
    refusal = await intruder.expect(r"3003")
    assert "plus valable" in refusal.text
    await intruder.send("/start")
    await intruder.expect_silence(1.0)  # refused once per 10 minutes
    # Only an administrator invites.
    await sophie.send("/inviter")
    await sophie.expect(r"réservée aux administrateurs")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_deactivated_advisor_is_refused_from_next_message(tg, bot, admin):
    lea = await invite(tg, admin, 2003, "Léa")
    await lea.send("/mes_menages")
    await lea.expect(r"Aucun ménage")
    await admin.send("/equipe")
    await admin.expect(r"L'équipe")
    await admin.click(r"Désactiver Léa")
    await admin.expect(r"Désactiver Léa \?")  # asked first, naming her
    await admin.click(r"Oui, désactiver")
    changed = await admin.expect(r"Léa est désactivée")
    assert "(désactivée)" in changed.text
    await lea.send("/mes_menages")
    await lea.expect(r"2003")
    await admin.click(r"Réactiver Léa")
    await admin.expect(r"Léa est réactivée")
    await lea.send("/mes_menages")
    await lea.expect(r"Aucun ménage")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_group_chat_is_left_with_a_word(tg, bot, admin):
    group = tg.group(-100123, members=[admin], title="Équipe MDL")
    await group.add_bot(by=admin)
    await group.expect(r"conversation privée")
    await tg.wait_idle()
    assert group.bot_left
    assert tg.errors == []
