"""Issue 9 §6: files for the bot's user only, no household data and no token in the log,
hidden characters refused in notes, file names cleaned; a refused token said without it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat

from flows import HLM_BOT, bot_env, make_bot, open_household

NAME, FIRST, PHONE, ADDRESS = "Zébulon", "Hortense", "06 98 76 54 32", "7 impasse des Glycines"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


async def test_files_private_log_clean_and_hidden_characters_refused(tg, tmp_path, admin):
    """Seen: the SQLite file, data/ and every PDF and photo were world-readable; a note with
    U+0000 made SQLAlchemy log a household's name, phone and address."""
    old = tmp_path / "data" / "documents" / "ancien.pdf"  # left by a version before the fix
    old.parent.mkdir(parents=True)
    old.write_bytes(PDF)
    for path in (tmp_path / "data", old.parent):
        path.chmod(0o755)
    old.chmod(0o644)
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    await open_household(admin, NAME, FIRST, phone=PHONE, address=f"{ADDRESS}, Dax")
    await admin.send("Visite\x00 faite")
    await admin.expect(r"caractères invisibles ou de contrôle")
    await admin.send("Loyer payé\u202e")
    await admin.expect(r"caractères invisibles ou de contrôle")
    await admin.send_photo(JPEG, caption="porte d'entrée")
    await admin.expect(r"Photo ajoutée")
    await admin.send_document(PDF, filename="relev\x00é\u202efdp.exe.pdf")
    await admin.expect(r"Document ajouté")
    await tg.wait_idle(quiet=1)
    assert tg.errors == []
    await bot.terminate(grace=5)

    database = tmp_path / "bot.sqlite3"
    with sqlite3.connect(database) as connection:
        notes = connection.execute("SELECT kind, text, file_name, file_path FROM note").fetchall()
    assert [n[0] for n in notes] == ["photo", "document"]  # the refused texts: nothing stored
    assert notes[1][2] == "relevéfdp.exe.pdf" and "\x00" not in notes[1][3]

    data = tmp_path / "data"
    found = [data, database, *data.rglob("*")]
    found += [p for p in tmp_path.glob("bot.sqlite3*")]
    assert len([p for p in found if p.is_file()]) >= 4  # database, photo, PDF, old PDF
    for path in found:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))

    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    for secret in (NAME, FIRST, PHONE, "Glycines", tg.token, tg.token.split(":")[1]):
        assert secret not in log, secret


async def test_a_refused_token_is_named_not_printed(tg, tmp_path):
    """Seen: with a mistyped setting, PTB's InvalidToken message wrote the token to the log."""
    token = "7000000001:WRONGsecretWRONGsecret"
    process = await asyncio.create_subprocess_exec(
        HLM_BOT, "run", cwd=tmp_path,
        env={**os.environ, **bot_env(tmp_path), "TELEGRAM_BOT_TOKEN": token,
             "TELEGRAM_API_URL": tg.api_url, "TELEGRAM_FILE_URL": tg.file_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 2, text
    assert "TELEGRAM_BOT_TOKEN" in text and "TELEGRAM_API_URL" in text
    assert "WRONGsecret" not in text and "Traceback" not in text
