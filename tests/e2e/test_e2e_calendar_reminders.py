"""The sub-letting's legal calendar, as the advisor and the coordinator see it: the review
convened 3 weeks before its 6-month date, the review itself, the préfet notice to the
coordinator 3 weeks before its deadline (2 months before the examination period ends); a
caseload imported after the dates brings the review, never its past preparation."""

from __future__ import annotations

from flows import ADMIN_ID, import_csv, invite, make_bot

HEADER = "nom;prenom;telephone;conseillere_telegram_id;bail;date_sous_location;loyer;" \
         "jour_echeance;periode_examen_mois\n"


async def test_convened_then_held_and_the_prefet_told(tg, tmp_path, admin):
    start = "2027-03-01T09:30:00+01:00"  # a Monday
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=start)
    await bot.start()
    lea = await invite(tg, admin, 2003, "Léa")
    # Signed 05/10/2026: reviews 05/04/2027, 05/10/2027; an 8-month period: the préfet is
    # told before 05/04/2027 (ends 05/06/2027).
    await import_csv(tmp_path, HEADER + "Martin;Lou;06 11 22 33 44;2003;sous-location;"
                     "05/10/2026;450;5;8\n", BOT_CLOCK_START=start)
    await tg.wait_idle(quiet=2)
    assert not any("glissement" in m.text or "préfet" in m.text
                   for m in lea.history + admin.history if m.text)
    await bot.terminate(grace=5)

    # Two weeks later (15/03, three weeks before the 05/04 review).
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-03-15T09:30:00+01:00")
    await bot.start()
    convene = await lea.expect(r"Revue de glissement à convoquer", timeout=20)
    assert "2027-0001 · L. M." in convene.text and "revue le 05/04/2027" in convene.text
    assert "Martin" not in convene.text
    notice = await admin.expect(r"Informer le préfet avant le 05/04/2027", timeout=20)
    assert "2027-0001 · L. M." in notice.text and "05/10/2026 – 05/06/2027" in notice.text
    assert "Aucune revue enregistrée" in notice.text
    assert not any("préfet" in m.text for m in lea.history if m.text)
    await bot.terminate(grace=5)

    # The review's day (a Monday): the review itself, to the advisor.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-04-05T09:30:00+02:00")
    await bot.start()
    review = await lea.expect(r"Revue de glissement</b>|Revue de glissement ·", timeout=20)
    assert "05/04/2027" in review.text and "à convoquer" not in review.text
    await tg.wait_idle(quiet=1)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)


async def test_an_import_after_the_dates_sends_no_past_preparation(tg, tmp_path, admin):
    """Seen: «Revue de glissement à préparer · revue le 01/12/2026» sent on 20/01/2027."""
    morning = "2027-01-20T09:30:00+01:00"  # a Wednesday
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=morning)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    await import_csv(tmp_path, HEADER + f"Diallo;Awa;06 22 33 44 55;{ADMIN_ID};sous-location;"
                     "01/06/2026;400;5;12\n", BOT_CLOCK_START=morning)
    review = await admin.expect(r"Revue de glissement", timeout=20)
    assert "01/12/2026" in review.text and "Déjà échu à l'import" in review.text
    await tg.wait_idle(quiet=3)
    texts = [m.text for m in admin.history if m.text]
    assert not any("convoquer" in t or "préparer" in t for t in texts)
    assert sum("Revue de glissement" in t for t in texts) == 1
    assert tg.errors == []
    await bot.terminate(grace=5)
