"""The diagnostic on the phone: wrong inputs, budget figures, summary, correction, crash."""

from __future__ import annotations

import pytest

from flows import (
    DATABASES,
    diagnostic_rest,
    diagnostic_until_budget,
    errors_but_answers_again,
    make_bot,
    open_household,
)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
async def test_whole_diagnostic_with_wrong_inputs(tg, bot, admin):
    reference = await open_household(admin)
    await admin.click(r"Diagnostic")
    await admin.expect(r"Nationalité")
    await admin.send("je ne sais pas")  # a choice typed wrong
    await admin.expect(r"Choisissez avec les boutons")
    await diagnostic_until_budget(admin)
    # 1 100 € of resources, 450 + 50 - 200 = 300 € of housing cost: 27,3 %.
    budget = await admin.expect(r"Taux d'effort")
    assert "27,3 %" in budget.text
    assert "649,50 €" in budget.text  # 1 100 - 300 - 150,50
    assert "7,22 €" in budget.text  # per person (3) and per day (30)
    await diagnostic_rest(admin)
    summary = await admin.expect(r"résumé")
    assert "Renouveler la CSS <avant juin> & l'AAH" in summary.text
    assert "Taux d'effort" in summary.text
    # Correct one answer from the summary, come back to it.
    await admin.click(r"Corriger")
    await admin.click(r"Projet logement")
    await admin.click(r"^Typologie$")
    await admin.expect(r"Typologie adaptée")
    await admin.click(r"^T2$")
    summary = await admin.expect(r"résumé")
    assert "Typologie : T2" in summary.text
    await admin.click(r"Confirmer")
    await admin.expect(rf"Diagnostic de {reference} .* enregistré")
    card = await admin.expect(r"📁")
    assert "Diagnostic fait le" in card.text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == [] and tg.unknown_methods == []
    print(admin.transcript())
    print("latency", tg.latency_stats())


async def test_bad_amounts_and_dates_are_explained(tg, bot, admin):
    await open_household(admin)
    await admin.click(r"Diagnostic")
    for question, answer in [(r"Nationalité", r"Française"), (r"Pièces", r"À jour")]:
        await admin.expect(question)
        await admin.click(answer)
    await admin.expect(r"Droits ouverts")
    await admin.click(r"Valider")
    await admin.expect(r"Droits à ouvrir")
    await admin.click(r"Passer")
    await admin.expect(r"Demande de logement")
    await admin.click(r"Aucune")
    await admin.expect(r"Situation DALO")
    await admin.click(r"Non concerné")
    await admin.expect(r"Ressources mensuelles")
    for wrong in ("mille euros", "12,345", "-40", "😀"):
        await admin.send(wrong)
        error = await admin.expect(r"⚠️")
        assert "1 250,50" in error.text and "Ressources mensuelles" in error.text
    await admin.send("1 250,50 €")
    await admin.expect(r"Loyer actuel")
    assert tg.errors == []


@pytest.mark.parametrize("database", DATABASES, indirect=True)
async def test_kill_in_the_middle_resumes_the_same_step(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await open_household(admin)
    await admin.click(r"Diagnostic")
    await admin.expect(r"Nationalité")
    await admin.click(r"Française")
    await admin.expect(r"Pièces d'identité")
    await admin.click(r"À refaire")
    await admin.expect(r"Droits ouverts")
    await admin.click(r"CAF")
    # Killed once the tick is shown: killed in the instant between its answer and its record
    # as handled instead, the click would be handled again at the start (its button answered
    # twice, which Telegram refuses: the only duplicate the design allows, see bot.polling).
    await tg.wait_idle(quiet=0.3)
    await bot.kill()
    # Typed while the bot is down: handled once when it is back.
    await admin.click(r"Valider")
    await bot.start()
    await admin.expect(r"Droits à ouvrir")
    await admin.send("Ouvrir l'AAH")
    await admin.expect(r"Demande de logement social")
    await bot.kill()
    await bot.start()
    await admin.click(r"Active")
    await admin.expect(r"Situation DALO")
    # Back twice goes to the text typed before the crash, kept.
    await admin.click(r"Retour")
    await admin.expect(r"Demande de logement social")
    await admin.click(r"Retour")
    question = await admin.expect(r"Droits à ouvrir")
    assert "Réponse actuelle : Ouvrir l'AAH" in question.text
    await admin.click(r"Garder")
    await admin.expect(r"Demande de logement social")
    # Nothing doubled: each question asked after each answer exactly once.
    asked = [m.text for m in admin.history if "Droits à ouvrir ou" in m.text]
    assert len(asked) == 2  # once on the way, once after going back
    await tg.assert_all_callbacks_answered()
    assert errors_but_answers_again(tg) == []
    await bot.terminate(grace=5)
