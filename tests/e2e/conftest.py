"""End-to-end: the real `hlm-bot run` process against the fake Telegram server of ../shared."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
if not (SHARED / "harness").is_dir():
    pytest.skip("end-to-end tests need ../shared/harness (the fake Telegram server); "
                "it is beside the project in CI", allow_module_level=True)
sys.path.insert(0, str(SHARED))

from harness import BotProcess, FakeTelegram  # noqa: E402

ADMIN_ID = 1001
HLM_BOT = str(Path(sys.executable).with_name("hlm-bot"))


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(call_log=tmp_path / "calls.jsonl", seed=1,
                            bot_username="hlm_test_bot") as server:
        yield server


def make_bot(tg: FakeTelegram, tmp_path: Path, **env: str) -> BotProcess:
    environment = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_ADMINS": str(ADMIN_ID),
        "BOT_CLOCK_START": "2027-03-15T10:00:00+01:00",
        **env,
    }
    return BotProcess(tg, [HLM_BOT, "run"], cwd=tmp_path, env=environment,
                      token_env="TELEGRAM_BOT_TOKEN", url_env="TELEGRAM_API_URL",
                      file_url_env="TELEGRAM_FILE_URL", log_path=tmp_path / "bot.log")


@pytest.fixture
async def bot(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = make_bot(tg, tmp_path)
    await process.start()
    yield process
    await process.terminate(grace=5)


@pytest.fixture
def admin(tg: FakeTelegram) -> Any:
    return tg.user(ADMIN_ID, first_name="Claire", last_name="Martin", language_code="fr")


async def invite(tg: FakeTelegram, admin: Any, user_id: int, first_name: str,
                 role: str = "Conseillère") -> Any:
    """The admin invites someone, who opens the link: returns the new advisor's phone."""
    await admin.send("/inviter")
    await admin.expect(r"Quel rôle")
    await admin.click(role)
    message = await admin.expect(r"start=")
    code = message.text.split("start=")[1].split()[0]
    person = tg.user(user_id, first_name=first_name, language_code="fr")
    await person.send(f"/start {code}")
    await person.expect(r"Bienvenue")
    return person


Answer = Callable[[Any], Any]
