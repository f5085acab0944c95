"""A confidential household's addresses never show by accident: not in the household form,
the home form (pre-filled, « Garder », summary, /reprendre), nor the card; only after the
audited 🔒 tap, in a protected message deleted 10 minutes later (issue 9, §2)."""

from __future__ import annotations

import sqlite3

from test_e2e_reminders import record_sublet_home

from flows import card_action, make_bot, open_household

CURRENT = "Résidence Les Pins, appt 12"
HOME = "4 rue des Fleurs"


def audit_actions(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT action FROM auditlog ORDER BY id")]


def leaks(user) -> list[str]:
    return [m.text for m in user.history if CURRENT in m.text or "Les Pins" in m.text
            or HOME in m.text or "Fleurs" in m.text]


async def test_confidential_addresses_only_behind_the_audited_tap(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await open_household(admin, "Secret", "Sandrine", address=CURRENT, confidential=True)
    summary = [m for m in admin.history if "résumé" in m.text][-1]
    assert "Adresse : 🔒 adresse enregistrée" in summary.text
    address_question = [m for m in admin.history if "Adresse actuelle" in m.text][-1]
    assert "jamais affichée" in address_question.text  # the flag was asked first
    await record_sublet_home(admin)
    assert leaks(admin) == []
    # 🏠 again: the pre-filled home form goes to its summary, the address kept hidden.
    await card_action(admin, r"🏠 Logement")
    home_summary = await admin.expect(r"Logement .* résumé")
    assert "Adresse : 🔒 adresse enregistrée" in home_summary.text
    await admin.click(r"Corriger")
    await admin.click(r"Le logement")
    await admin.click(r"^Adresse$")
    question = await admin.expect(r"Adresse du logement")
    assert "Réponse actuelle : 🔒 adresse enregistrée" in question.text
    assert "✔️ Garder : 🔒 adresse enregistrée" in question.button_texts
    await admin.click(r"Pause")
    await admin.expect(r"en pause")
    before = audit_actions(tmp_path).count("logement.resume")
    await admin.send("/reprendre")
    again = await admin.expect(r"Adresse du logement")
    assert "🔒 adresse enregistrée" in again.text
    await admin.click(r"Garder")
    await admin.expect(r"résumé")
    assert audit_actions(tmp_path).count("logement.resume") == before + 1
    assert leaks(admin) == []
    # The explicit tap: the current address (the home's, since it was recorded; the one
    # before is kept in the records, not shown), protected, audited, deleted 10 minutes later.
    await card_action(admin, r"Afficher l'adresse")
    shown = await admin.expect(r"Cette consultation est tracée")
    assert HOME in shown.text and CURRENT not in shown.text
    assert shown.params.get("protect_content") in (True, "true")
    assert "household.address.view" in audit_actions(tmp_path)
    await bot.terminate(grace=5)
    later = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-03-15T10:12:00+01:00")
    await later.start()
    await tg.wait_for_call("deleteMessage", timeout=15)
    assert shown.deleted
    assert [m for m in leaks(admin) if not m.startswith("🔒 Adresse de")] == []
    await later.terminate(grace=5)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
