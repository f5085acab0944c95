"""Buttons that can't hit the wrong item, replayed as the advisor did it: an old «🗑 n°2» after
deleting n°2, a double tap, a bilan reminder's «Fait», a closed household's old buttons."""

from __future__ import annotations

import sqlite3

from flows import ADMIN_ID, close_support, import_csv, make_bot, open_household

MORNING = "2027-03-15T09:05:00+01:00"  # a Monday


def toast(callback) -> str:
    return (callback.answer or {}).get("text", "")


async def add_objective(admin, text: str, day: str, first: bool = False) -> object:
    if not first:
        await admin.click(r"Ajouter un objectif")
    await admin.expect(r"Objectif intermédiaire n°")
    await admin.send(text)
    await admin.expect(r"Date visée")
    await admin.send(day)
    return await admin.expect(r"Objectifs intermédiaires")


async def test_an_old_delete_button_and_a_double_tap_hit_nothing_else(tg, bot, admin):
    await open_household(admin)
    await admin.click(r"Construire le PPAL")
    await admin.expect(r"Date de début du plan")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"Situation de départ")
    await admin.click(r"Garder")
    await admin.expect(r"Objectif final")
    await admin.send("Accéder à un T3")
    await add_objective(admin, "Ouvrir les droits CAF", "30/04/2027", first=True)
    await add_objective(admin, "Solder la dette EDF", "31/5/27")
    listing = await add_objective(admin, "Trouver un T3", "30/09/2027")
    assert "2. Solder la dette EDF · 31/05/2027" in listing.text
    # 🗑 n°2: asked first, naming the objective.
    await admin.click(r"🗑 n°2", message=listing)
    question = await admin.expect(r"Supprimer l'objectif « Solder la dette EDF » \?")
    await admin.click(r"Oui, supprimer", message=question)
    await admin.expect(r"L'objectif « Solder la dette EDF » est supprimé")
    after = await admin.expect(r"Objectifs intermédiaires")
    assert "Solder" not in after.text and "2. Trouver un T3" in after.text
    # Seen: «🗑 n°2» of the previous list message deleted another objective, silently.
    old = await admin.click(r"🗑 n°2", message=listing)
    await tg.wait_answered(old)
    assert "déjà été supprimé" in toast(old)
    # A double tap on «Oui, supprimer»: one deletion; the second press says it is gone.
    await admin.click(r"🗑 n°2", message=after)
    question = await admin.expect(r"Supprimer l'objectif « Trouver un T3 » \?")
    data = next(b.callback_data for b in question.buttons if "Oui" in b.text)
    first = tg.press_button(admin.chat_id, admin, question, data)
    second = tg.press_button(admin.chat_id, admin, question, data)
    listing = await admin.expect(r"Objectifs intermédiaires")
    await tg.wait_answered(first)
    await tg.wait_answered(second)
    assert "déjà été supprimé" in toast(second)
    await tg.wait_idle()
    last = [m for m in admin.history if "Objectifs intermédiaires" in m.text][-1]
    assert "1. Ouvrir les droits CAF" in last.text and "2." not in last.text
    # Abandoning the PPAL (more than 3 answers) asks first.
    await admin.click(r"Pause")
    await admin.expect(r"en pause")
    await admin.click(r"Abandonner")
    await admin.expect(r"Abandonner .*PPAL.* \? Les \d+ réponses données seront perdues")
    await admin.click(r"Oui, abandonner")
    await admin.expect(r"abandonné")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_a_bilan_reminder_done_opens_the_form_then_the_support_closes(tg, tmp_path,
                                                                            admin):
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    await import_csv(tmp_path, "nom;prenom;conseillere_telegram_id;prochain_bilan\n"
                     f"Dupont;Hélène;{ADMIN_ID};15/03/2027\n", BOT_CLOCK_START=MORNING)
    reminder = await admin.expect(r"🗓 Bilan intermédiaire · 2027-0001 · H. D.", timeout=20)
    # Seen: «✅ Fait» closed the reminder with nothing recorded. Now: the bilan form.
    await admin.click(r"Fait", message=reminder)
    await admin.expect(r"Bilan intermédiaire · 2027-0001 · H\. D\..*Date du bilan")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"Ce qui a été réalisé")
    # /aide in the middle of the form ends with the question again.
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    await admin.expect(r"Reprenons :.*Ce qui a été réalisé")
    await admin.send("Dossier CAF déposé")
    await admin.expect(r"Difficultés")
    await admin.click(r"Passer")
    await admin.expect(r"Décisions")
    await admin.click(r"Passer")
    await admin.expect(r"Date du prochain bilan")
    await admin.send("14/03/2027")  # in the past: refused at the question
    await admin.expect(r"pas être avant le 15/03/2027")
    await admin.send("15/06/27")
    await admin.expect(r"avenant")
    await admin.click(r"^Non$")
    await admin.expect(r"résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Bilan du 15/03/2027 enregistré")
    # The reminder is answered by the bilan: its button says what was recorded, and by whom.
    again = await admin.click(r"Fait", message=reminder)
    await tg.wait_answered(again)
    assert "Déjà enregistré : fait" in toast(again) and "Claire" in toast(again)
    # The support closes (the confirmation names the household)...
    await admin.send("/cherche Dupont")
    card = await admin.expect(r"📁")
    await admin.send("/cherche Dupont")  # closed from a second card: this one keeps its buttons
    await admin.expect(r"📁")
    await close_support(admin)
    # ...and the buttons of its old messages say so, and do nothing (notes remain).
    for pattern in (r"Diagnostic", r"Construire le PPAL"):
        press = await admin.click(pattern, message=card)
        await tg.wait_answered(press)
        assert toast(press) == "L'accompagnement de 2027-0001 · H. D. est clos.", pattern
    press = await admin.click(r"1 semaine", message=reminder)
    await tg.wait_answered(press)
    assert toast(press) == "L'accompagnement de 2027-0001 · H. D. est clos."
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)


async def test_the_insurance_notice_replaced_by_the_expiry_still_works(tg, tmp_path, admin):
    """Seen: the 30-day notice's «Attestation reçue», once the expiry's reminder had come,
    answered «Déjà enregistré» while nothing was recorded."""
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    await import_csv(tmp_path, "nom;prenom;conseillere_telegram_id;bail;date_entree_logement;"
                     "loyer;jour_echeance;fin_assurance\n"
                     f"Dupont;Hélène;{ADMIN_ID};direct;01/03/2027;450;5;10/04/2027\n",
                     BOT_CLOCK_START=MORNING)
    notice = await admin.expect(r"🛡 Assurance habitation · 2027-0001 · H\. D\. : "
                                r"l'attestation expire le 10/04/2027", timeout=20)
    await bot.terminate(grace=5)
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-04-12T10:00:00+02:00")
    await bot.start()
    expiry = await admin.expect(r"🛡 Assurance habitation · 2027-0001 · H\. D\. : "
                                r"l'attestation expire aujourd'hui", timeout=20)
    await admin.click(r"Attestation reçue", message=notice)
    await admin.expect(r"Jusqu'à quand la nouvelle attestation")
    await admin.send("10/04/2026")  # before the certificate it replaces: asked
    await admin.expect(r"avant la fin de l'attestation actuelle \(10/04/2027\) : c'est bien ça")
    await admin.click(r"Corriger")
    await admin.expect(r"Jusqu'à quand la nouvelle attestation")
    await admin.send("10/04/28")
    await admin.expect(r"Attestation d'assurance de 2027-0001 · H\. D\. enregistrée, "
                       r"valable jusqu'au 10/04/2028")
    # The notice had been replaced: the certificate answered the expiry's reminder.
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        rows = dict(db.execute("SELECT key, status || ':' || coalesce(answer, '') FROM reminder "
                               "WHERE kind = 'insurance'"))
    assert rows["insurance:2027-04-10:avant"] == "cancelled:", rows
    assert rows["insurance:2027-04-10:echeance"] == "answered:recue", rows
    # Both messages now say what was recorded, and by whom.
    for message in (expiry, notice):
        press = await admin.click(r"Relancer", message=message)
        await tg.wait_answered(press)
        assert "Déjà enregistré : attestation reçue" in toast(press), toast(press)
        assert "Claire Martin" in toast(press)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)
