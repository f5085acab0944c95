"""Seen: closing a support asked no reason and no date, and the closed card still offered
every action (a /rappel on it was accepted and never sent). Now: 🔚 asks both, the card says
it and keeps only consultation, notes and documents, and a coordinator reopens it."""

from __future__ import annotations

from flows import card_action, close_support, open_household


def toast(callback) -> str:
    return (callback.answer or {}).get("text", "")


async def test_closing_with_a_reason_then_old_buttons_and_rappel_refused_then_reopened(
        tg, bot, admin):
    await open_household(admin)
    card = next(m for m in reversed(admin.history) if m.text.startswith("📁"))
    closed = await close_support(admin, r"Perte de contact")
    assert "Accompagnement clos le 15/03/2027 (perte de contact / abandon)" in closed.text
    assert not any("Diagnostic" in b or "Rappel" in b for b in closed.button_texts)
    assert any("Rouvrir" in b for b in closed.button_texts)
    # An old card's action button says the support is closed and does nothing.
    for label in (r"Rappel", r"Enregistrer le logement"):  # the old card shows «Plus…»
        press = await admin.click(label, message=card)
        await tg.wait_answered(press)
        assert toast(press) == "L'accompagnement de 2027-0001 · H. D. est clos.", label
    # /rappel on it is refused with the same words.
    await admin.send("/rappel 2027-0001")
    await admin.expect(r"L'accompagnement de 2027-0001 · H\. D\. est clos\.")
    # A note is still taken.
    await admin.click(r"Ajouter une note", message=closed)
    await admin.expect(r"Envoyez votre note pour 2027-0001")
    await admin.send("Courrier retourné : n'habite plus à l'adresse indiquée.")
    await admin.expect(r"Note ajoutée à 2027-0001")
    # The coordinator reopens it, saying why; the card's actions come back.
    await admin.send("/cherche 2027-0001")
    await admin.expect(r"📁")
    await card_action(admin, r"Rouvrir")
    await admin.expect(r"Pourquoi rouvrir")
    await admin.send("Le ménage a repris contact")
    await admin.expect(r"rouvert : ses rappels reprennent")
    reopened = await admin.expect(r"📁")
    assert "clos" not in reopened.text and any("Diagnostic" in b for b in reopened.button_texts)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
