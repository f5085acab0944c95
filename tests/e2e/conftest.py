"""End-to-end: the real `hlm-bot run` process against the fake Telegram server of ../shared."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
if not (SHARED / "harness").is_dir():
    pytest.skip("end-to-end tests need ../shared/harness (the fake Telegram server); "
                "it is beside the project in CI", allow_module_level=True)
sys.path.insert(0, str(SHARED))

from harness import BotProcess, FakeTelegram  # noqa: E402

from flows import ADMIN_ID, DATABASE_URL_VARIABLE, make_bot  # noqa: E402


@pytest.fixture(autouse=True)
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The bot's database: SQLite, or a fresh PostgreSQL database for the tests marked
    `@pytest.mark.parametrize("database", DATABASES, indirect=True)` (flows.bot_env reads
    it, so `make_bot`, `import_csv` and the `bot` fixture all follow)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        return kind
    url: str = request.getfixturevalue("postgres_database")
    monkeypatch.setenv(DATABASE_URL_VARIABLE, url)
    return kind


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(call_log=tmp_path / "calls.jsonl", seed=1,
                            bot_username="hlm_test_bot") as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = make_bot(tg, tmp_path)
    await process.start()
    yield process
    await process.terminate(grace=5)


@pytest.fixture
def admin(tg: FakeTelegram) -> Any:
    return tg.user(ADMIN_ID, first_name="Claire", last_name="Martin", language_code="fr")


