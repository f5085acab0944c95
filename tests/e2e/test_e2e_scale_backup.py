"""`hlm-bot backup` while the bot runs, `hlm-bot restore` while it is stopped: what was there
at the backup comes back (the household, its note's photo), what came after does not."""

from __future__ import annotations

import asyncio
import os
import stat
import uuid
from pathlib import Path

import psycopg
import pytest

from flows import HLM_BOT, bot_env, make_bot, open_household


async def _cli(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        HLM_BOT, *args, cwd=tmp_path, env={**os.environ, **bot_env(tmp_path, **env)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


def _database(request: pytest.FixtureRequest, kind: str) -> dict[str, str]:
    if kind == "sqlite":
        return {}
    template: str = request.getfixturevalue("postgres")
    name = f"t{uuid.uuid4().hex[:16]}"
    with psycopg.connect(template.format(name="postgres").replace("postgresql+psycopg",
                                                                   "postgresql"),
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return {"DATABASE_URL": template.format(name=name)}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_backup_while_running_then_restore(tg, tmp_path, admin, request, kind):
    env = _database(request, kind)
    bot = make_bot(tg, tmp_path, **env)
    await bot.start()
    await open_household(admin, "Lopez", "Ana", phone="06 11 11 11 11")
    await admin.send_photo(b"\xff\xd8\xff fake jpeg", filename="bail.jpg", caption="Bail")
    await admin.expect(r"Photo ajoutée à 2027-0001")
    files = tmp_path / "data" / "files" / "2027-0001"
    (photo,) = files.iterdir()

    code, output = await _cli(tmp_path, env, "backup", str(tmp_path / "saved"))
    assert code == 0, output
    assert "Sauvegarde écrite" in output and "1 fichier(s)" in output
    for path in (tmp_path / "saved").iterdir():  # as private as the bot's own files
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    code, output = await _cli(tmp_path, env, "backup", str(tmp_path / "saved"))
    assert code == 1 and "n'est pas vide" in output  # a backup is never overwritten

    # After the backup: a second household, with its own photo.
    await open_household(admin, "Sow", "Binta", phone="06 22 22 22 22")
    await admin.send_photo(b"\xff\xd8\xff other", filename="cni.jpg", caption="CNI")
    await admin.expect(r"Photo ajoutée à 2027-0002")
    await bot.terminate(grace=5)

    code, output = await _cli(tmp_path, env, "restore", str(tmp_path / "saved"))
    assert code == 1 and "--force" in output  # the database holds data: nothing replaced
    assert (tmp_path / "data" / "files" / "2027-0002").is_dir()
    code, output = await _cli(tmp_path, env, "restore", str(tmp_path / "saved"), "--force")
    assert code == 0, output
    assert "restaurée" in output
    assert [p.name for p in files.iterdir()] == [photo.name]
    assert photo.read_bytes() == b"\xff\xd8\xff fake jpeg"
    assert not (tmp_path / "data" / "files" / "2027-0002").exists()

    await bot.start()
    await admin.send("/cherche lopez")
    await admin.expect(r"2027-0001")
    await admin.send("/cherche sow")
    await admin.expect(r"Aucun ménage")
    await bot.terminate(grace=5)
    assert tg.errors == []
