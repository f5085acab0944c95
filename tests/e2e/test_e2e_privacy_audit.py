"""Refused attempts leave a trace: a conseillère's forged press on another's household, a
button the bot never made (issue 9, §8)."""

from __future__ import annotations

import sqlite3

from flows import invite, open_household


def events(tmp_path) -> list[tuple[str, int, str, int | None]]:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        return list(db.execute("SELECT kind, telegram_id, detail, household_id "
                               "FROM securityevent ORDER BY id"))


async def test_forged_buttons_and_forbidden_presses_are_security_events(tg, bot, admin,
                                                                        tmp_path):
    await open_household(admin, "Secret", "Sandrine")
    lea = await invite(tg, admin, 2003, "Léa")
    welcome = lea.last
    # Léa forges the card button of the admin's household (id 1), then a reassignment.
    for data in ("h:o:1", "h:R:1:2", "zz:9"):
        press = tg.press_button(lea.chat_id, lea, welcome, data)
        await tg.wait_answered(press)
    await lea.expect(r".")
    await tg.wait_idle()
    assert all("Sandrine" not in m.text and "Secret" not in m.text for m in lea.history)
    assert events(tmp_path) == [("forbidden", 2003, "household.view", 1),
                                ("forbidden", 2003, "household.reassign", 1),
                                ("forged_button", 2003, "zz:9", None)]
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
