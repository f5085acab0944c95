"""Issue 11 «The data's life»: the right of access (/export), the audit log (/journal), and
2 years after the end of a support the household anonymised, its coordinators told 30 days
before (with a legal hold they may place and lift)."""

from __future__ import annotations

import io
import json
import zipfile

from flows import close_support, invite, make_bot, open_household


async def test_export_zip_and_journal_for_coordinators_only(tg, tmp_path, bot, admin):
    reference = await open_household(admin, "Durand", "Léa", phone="06 11 22 33 44")
    await admin.send("Visite à domicile, logement bien tenu")
    await admin.expect(r"Note ajoutée|enregistr")
    await admin.send(f"/export {reference}")
    sent = await admin.expect_document(r"\.zip$", timeout=30)
    archive = zipfile.ZipFile(io.BytesIO(sent.data))
    assert {"donnees.json", "donnees.pdf"} <= set(archive.namelist())
    data = json.loads(archive.read("donnees.json"))
    assert data["household"][0]["last_name"] == "Durand"
    assert any("logement bien tenu" in n["text"] for n in data["note"])
    assert any(a["action"] == "household.export" for a in data["auditlog"])
    assert archive.read("donnees.pdf").startswith(b"%PDF")
    caption = next(m for m in reversed(admin.history) if m.text.startswith("🗂"))
    assert "Durand" not in caption.text and reference in caption.text

    await admin.send(f"/journal {reference}")
    journal = await admin.expect(r"Journal de")
    assert f"{reference} · L. D." in journal.text and "Durand" not in journal.text
    assert "Claire Martin a créé le ménage" in journal.text
    assert "a exporté les données" in journal.text

    sophie = await invite(tg, admin, 2002, "Sophie")
    await sophie.send(f"/export {reference}")
    await sophie.expect(r"Réservé aux coordinatrices")
    await sophie.send(f"/journal {reference}")
    await sophie.expect(r"Réservé aux coordinatrices")
    await tg.wait_idle()
    assert not any(d.filename.endswith(".zip") for d in sophie.documents)
    assert tg.errors == []


async def test_two_years_after_the_end_the_household_is_anonymised(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    reference = await open_household(admin, "Moreau", "Jade", phone="06 55 44 33 22")
    await close_support(admin)
    await bot.terminate(grace=5)

    # 24 days before the end of its retention (last contact 15/03/2027): the notice, once.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2029-02-20T10:00:00+01:00")
    await bot.start()
    notice = await admin.expect(r"Fin de la durée de conservation", timeout=20)
    assert f"{reference} · J. M. — à anonymiser le 16/03/2029" in notice.text
    assert "Moreau" not in notice.text
    await admin.click(rf"Conserver {reference}", message=notice)
    status = await admin.expect(r"à anonymiser le 16/03/2029\. Choisissez un motif")
    await admin.click(r"Contentieux", message=status)
    await admin.expect(r"mis en conservation \(contentieux en cours\)")
    await admin.send(f"/conservation {reference}")
    held = await admin.expect(r"en conservation depuis le")
    await admin.click(r"Lever la conservation", message=held)
    await admin.expect(r"Conservation de .* levée")
    await bot.terminate(grace=5)

    # Past the 2 years: anonymised by the daily pass; what it was is in the journal only.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2029-03-20T10:00:00+01:00")
    await bot.start()
    await tg.wait_idle(quiet=6)
    assert sum("Fin de la durée de conservation" in m.text for m in admin.history) == 1
    await admin.send(f"/journal {reference}")
    journal = await admin.expect(r"Journal de")
    assert "le bot (ou une commande) a anonymisé le ménage" in journal.text
    assert f"Journal de {reference} " in journal.text  # no initials left
    await admin.send(f"/export {reference}")
    sent = await admin.expect_document(r"\.zip$", timeout=30)
    data = json.loads(zipfile.ZipFile(io.BytesIO(sent.data)).read("donnees.json"))
    household = data["household"][0]
    assert (household["last_name"], household["first_name"], household["phone"],
            household["address"]) == ("", "", "", "")
    assert household["closed_on"] == "2027-03-15" and household["children_ages"] == [4, 9]
    assert len(data["purge"]) == 1 and "Moreau" not in json.dumps(data["purge"])
    await bot.terminate(grace=5)
    assert tg.errors == []
