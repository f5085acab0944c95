"""The gate under a stranger's flood and under faults: refused once, never stalling the
advisors, never letting an update through to the handlers (issue 9, §1 and §5)."""

from __future__ import annotations

import sqlite3
import time

from flows import invite, make_bot

STRANGER = 4242


def security_events(tmp_path) -> list[tuple[str, int, int, str]]:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        return list(db.execute("SELECT kind, telegram_id, count, detail FROM securityevent"))


async def test_stranger_flood_does_not_stall_an_advisor(tg, bot, admin, tmp_path):
    await admin.send("/aide")
    await admin.expect(r"/nouveau")
    tg.faults.enable_flood_limit(per_chat_per_s=1, per_chat_burst=1, global_per_s=30)
    stranger = tg.user(STRANGER, first_name="Eve", language_code="fr")
    for n in range(60):
        await stranger.send(f"message {n}")
    start = time.monotonic()
    await admin.send("/aide")
    await admin.expect(r"/nouveau", timeout=3)
    assert time.monotonic() - start < 3
    await tg.wait_idle(quiet=0.5)
    # One refusal, with his id; the 59 others were confirmed and dropped.
    assert [m.text for m in stranger.history if str(STRANGER) in m.text] != []
    assert len(stranger.history) == 1
    assert not [c for c in tg.calls if c.status == 429]
    assert not tg.pending_updates
    assert security_events(tmp_path) == [("stranger", STRANGER, 60, "texte")]
    assert tg.errors == []


async def test_stranger_refused_once_per_ten_minutes_buttons_and_files_too(tg, bot, admin,
                                                                          tmp_path):
    stranger = tg.user(STRANGER, first_name="Eve", language_code="fr")
    await stranger.send("/start")
    await stranger.expect(str(STRANGER))
    await stranger.send("/cherche dupont")
    await stranger.send_photo(b"\x89PNG fake", filename="carte.png")
    await stranger.expect_silence(1.0)
    await admin.send("/inviter")
    roles = await admin.expect(r"Quel rôle")
    # A button of an advisor's message pressed by the stranger: answered, without a word.
    callback = await stranger.click(r"Coordinatrice", message=roles)
    await tg.wait_answered(callback)
    assert not (callback.answer or {}).get("text")
    await tg.assert_all_callbacks_answered()
    assert len(stranger.history) == 1
    # Eleven minutes later (the bot restarted on a later clock), he hears it again, once.
    await bot.terminate(grace=5)
    later = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-03-15T10:11:00+01:00")
    await later.start()
    await stranger.send("encore")
    await stranger.expect(str(STRANGER))
    await stranger.send("et encore")
    await stranger.expect_silence(1.0)
    await later.terminate(grace=5)
    kinds = [(kind, count) for kind, _id, count, _detail in security_events(tmp_path)]
    assert kinds[0][0] == "stranger" and kinds[0][1] >= 3 and kinds[1] == ("stranger", 2)
    assert tg.errors == []


async def test_deactivated_advisor_and_group_are_refused_once(tg, bot, admin, tmp_path):
    lea = await invite(tg, admin, 2003, "Léa")
    await admin.send("/equipe")
    await admin.expect(r"L'équipe")
    await admin.click(r"Désactiver Léa")
    await admin.expect(r"Désactiver Léa \?")
    await admin.click(r"Oui, désactiver")
    await admin.expect(r"Léa est désactivée")
    for text in ("/mes_menages", "/aide", "bonjour"):
        await lea.send(text)
    await lea.expect(r"2003")
    await lea.expect_silence(1.0)
    group = tg.group(-100123, members=[admin], title="Équipe MDL")
    await group.add_bot(by=admin)
    await group.expect(r"conversation privée")
    await tg.wait_idle()
    assert group.bot_left
    await group.add_bot(by=admin)  # added again at once: left again, without a word
    await group.expect_silence(1.0)
    assert group.bot_left
    kinds = {kind for kind, *_rest in security_events(tmp_path)}
    assert kinds == {"deactivated", "group"}
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_gate_fails_closed_on_malformed_start_and_failed_answers(tg, bot, admin, tmp_path):
    stranger = tg.user(STRANGER, first_name="Eve", language_code="fr")
    await stranger.send("/start \x1c")
    refusal = await stranger.expect(str(STRANGER))
    assert "erreur" not in refusal.text
    await stranger.send("/start " + "x" * 3000)
    await stranger.send("/start\u00a0\u202e")
    await stranger.expect_silence(1.0)
    # Telegram refuses the callback answer in the gate: the update stops there all the same.
    await admin.send("/inviter")
    roles = await admin.expect(r"Quel rôle")
    tg.faults.fail_next("answerCallbackQuery", status=500)
    await stranger.click(r"Coordinatrice", message=roles)
    await stranger.expect_silence(1.5)
    assert all("erreur" not in m.text for m in stranger.history)
    # A second stranger whose refusal fails (5xx): nothing else reaches him.
    other = tg.user(4343, first_name="Mallory", language_code="fr")
    tg.faults.fail_next("sendMessage", status=500)
    await other.send("/nouveau")
    await other.expect_silence(1.5)
    assert "error while handling" not in bot.log_text()
    # The advisors are served as before.
    await admin.send("/aide")
    await admin.expect(r"/nouveau")
    assert tg.errors == []


async def test_a_refused_person_invited_minutes_later_gets_in(tg, bot, admin):
    eve = tg.user(5005, first_name="Eve", language_code="fr")
    await eve.send("bonjour")
    await eve.expect(r"5005")
    await invite(tg, admin, 5005, "Eve")  # her link works within the refusal's window
    await eve.send("/mes_menages")
    await eve.expect(r"Aucun ménage")
    assert tg.errors == []


async def test_a_stranger_gets_nothing_from_handlers_that_answer_without_the_database(
        tg, bot, admin, tmp_path):
    """The gate lets a private chat's update on with its admission pending (the use case
    identifies the sender in its own transaction): a handler that answers without one (an
    unknown command, a location, an edit) is stopped at its call to Telegram, and an update
    answered by nothing is checked at the end; each attempt recorded."""
    stranger = tg.user(STRANGER, first_name="Eve", language_code="fr")
    sent = await stranger.send("/commande_inconnue")
    await stranger.expect(str(STRANGER))  # the refusal, not «commande inconnue»
    await stranger.send_location(43.7, -1.05)
    await stranger.edit(sent, "/aide")
    await stranger.send("/cherche dupont")
    await stranger.expect_silence(1.0)
    assert len(stranger.history) == 1
    # The advisor's own update is admitted by her use case's transaction and answered.
    await admin.send("/commande_inconnue")
    await admin.expect(r"/aide")
    events = security_events(tmp_path)
    assert [(kind, count) for kind, _id, count, _detail in events] == [("stranger", 4)], events
    assert tg.errors == []
