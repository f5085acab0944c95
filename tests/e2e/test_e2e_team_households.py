"""Seen: as a coordinator, /mes_menages answered «Aucun ménage ne vous est attribué.»; the
only way to see every household was /cherche 2027. Now: /menages, filtered with buttons."""

from __future__ import annotations

from flows import close_support, invite, open_household


async def test_a_coordinator_lists_every_household_with_filters(tg, bot, admin):
    lea = await invite(tg, admin, 2002, "Léa")
    await open_household(admin, "Dupont", "Hélène", advisor=r"Léa")
    await open_household(admin, "Martin", "Paul", phone="07 11 22 33 44", advisor=r"Claire")
    await open_household(admin, "Petit", "Zoé", phone="07 22 33 44 55", advisor=r"Léa")
    await close_support(admin, r"Décès")
    await admin.send("/menages")
    listing = await admin.expect(r"Tous les ménages</b> : 2|Tous les ménages : 2")
    assert "Filtres : actifs" in listing.text
    lines = [b for b in listing.button_texts if "2027-" in b]
    assert lines == ["2027-0001 · H. D. · Léa", "2027-0002 · P. M. · Claire Martin"], lines
    # Léa's households only: the list is edited in place.
    await admin.click(r"Conseillère : toutes", message=listing)
    await admin.expect(r"Les ménages de quelle conseillère")
    await admin.click(r"^Léa$")
    mine = await admin.expect(r"Tous les ménages : 1|Tous les ménages</b> : 1")
    assert "Filtres : actifs · Léa" in mine.text
    # ...and her closed ones: the filters combine.
    await admin.click(r"📂 Actifs", message=mine)
    closed = await admin.expect(r"Filtres : clos · Léa")
    assert [b for b in closed.button_texts if "2027-" in b] == ["2027-0003 · Z. P. · Léa"]
    # An old list's button still carries its own filters.
    await admin.click(r"En retard", message=closed)
    await admin.expect(r"aucun ne correspond à ces filtres")
    # A conseillère has her own list only.
    await lea.send("/menages")
    await lea.expect(r"Réservé aux coordinatrices")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
