"""Issue 10 «Nothing blocks the loop»: a handler awaiting a slow use case (SQL waiting, a
PDF) leaves the event loop free: another advisor's update is handled meanwhile, and a
heartbeat coroutine never waits more than 50 ms."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event
from telegram.constants import ChatAction

from bot.app import make_deps
from bot.deps import Deps
from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from bot.settings import Settings, SettingsError
from handlers import admission, gate, plans
from handlers.common import read_or_say, with_actor
from storage.db import Offloaded
from storage.errors import Stranger
from storage.models import Advisor, Household

from factories import make_advisor

LEA, SOPHIE = 1001, 1002


def _context(d: Deps) -> Any:
    return SimpleNamespace(application=SimpleNamespace(bot_data={"deps": d}))


def _update(telegram_id: int, update_id: int) -> Any:
    """What the use case reads of an update: its id, its chat, its sender."""
    return SimpleNamespace(update_id=update_id, effective_chat=SimpleNamespace(id=telegram_id),
                           effective_user=SimpleNamespace(id=telegram_id, full_name=""))


async def test_a_slow_use_case_leaves_the_loop_and_the_other_advisor_free(db, clock):
    with db.session() as s:
        make_advisor(s, clock, LEA, "Léa Martin")
        make_advisor(s, clock, SOPHIE, "Sophie Laborde")
    render = Renderer(clock.tz)
    d = Deps(Settings.from_values({}), clock, Offloaded(db, workers=4), render,
             DocumentMaker(render, Organisation("MDL")))
    context = _context(d)
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    def slow(_session: Any, actor: Advisor) -> str:
        time.sleep(0.5)  # a slow statement, or WeasyPrint
        return actor.name

    def quick(_session: Any, actor: Advisor) -> str:
        return actor.name

    beating = asyncio.create_task(heartbeat())
    try:
        started = time.monotonic()
        lea = asyncio.create_task(read_or_say(_update(LEA, 1), context, slow))
        await asyncio.sleep(0.05)  # Léa's use case is in its worker
        sophie = await read_or_say(_update(SOPHIE, 2), context, quick)
        sophie_done = time.monotonic() - started
        assert await lea == "Léa Martin"
        lea_done = time.monotonic() - started
    finally:
        beating.cancel()
        d.db.close()
    assert sophie == "Sophie Laborde"
    assert max(gaps) < 0.05, max(gaps)  # the loop went on all along
    if db.engine.dialect.name == "postgresql":
        assert sophie_done < 0.4 < 0.5 <= lea_done  # Sophie did not wait for Léa's half second
    else:  # one writer at a time in a SQLite file (BEGIN IMMEDIATE): she waited, the loop not
        assert 0.5 <= sophie_done < 1.0


async def test_an_update_applied_in_the_pool_is_one_transaction_with_its_id(db, clock):
    """The awaited `apply` keeps the redelivery rule: a second delivery changes nothing, and a
    refusal inside the use case leaves nothing half-applied."""
    with db.session() as s:
        make_advisor(s, clock, LEA, "Léa Martin")
    pooled = Offloaded(db, workers=2)
    written: list[int] = []

    def work(session: Any, actor: Advisor) -> int:
        written.append(actor.telegram_id)
        return actor.telegram_id

    try:
        first = await pooled.apply(7, with_actor(_update(LEA, 7), work))
        again = await pooled.apply(7, with_actor(_update(LEA, 7), work))
        with pytest.raises(Stranger):
            await pooled.apply(8, with_actor(_update(999, 8), work))
        retried = await pooled.apply(8, lambda s: "kept")  # update 8 was not recorded
    finally:
        pooled.close()
    assert (first.duplicate, first.value, again.duplicate) == (False, LEA, True)
    assert (retried.duplicate, retried.value) == (False, "kept")
    assert written == [LEA]


async def test_a_pdf_is_made_in_the_pool_with_the_upload_action_shown(db, clock, tmp_path,
                                                                      monkeypatch):
    """WeasyPrint's half second runs in a worker: the loop goes on, the upload action is said
    again while the PDF is not ready, then the file is kept, recorded and sent."""
    with db.session() as s:
        make_advisor(s, clock, LEA, "Léa Martin")
    render = Renderer(clock.tz)
    d = Deps(Settings.from_values({"BOT_DATA_DIR": str(tmp_path)}), clock,
             Offloaded(db, workers=2), render, DocumentMaker(render, Organisation("MDL")))
    monkeypatch.setattr(plans, "UPLOAD_ACTION_SECONDS", 0.1)
    said: list[str] = []
    sent: list[tuple[bytes, str]] = []

    async def send_action(action: str) -> None:
        said.append(action)

    async def send_document(pdf: bytes, filename: str, caption: str) -> None:
        sent.append((pdf, filename))

    update = _update(LEA, 3)
    update.effective_chat.send_action = send_action
    update.effective_chat.send_document = send_document
    recorded: list[tuple[int, str]] = []

    def make() -> bytes:
        time.sleep(0.35)
        return b"%PDF-1.7"

    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()

    beating = asyncio.create_task(heartbeat())
    try:
        await plans._deliver(update, _context(d), Household(reference="2027-0001"), "ppal.pdf",
                             make, lambda s, actor, path: recorded.append(
                                 (actor.telegram_id, path.read_bytes().decode())), "PPAL")
    finally:
        beating.cancel()
        d.db.close()
    assert said[0] == ChatAction.UPLOAD_DOCUMENT and len(said) >= 3  # 0, 0.1, 0.2, 0.3 s
    assert recorded == [(LEA, "%PDF-1.7")]  # kept before it was recorded, by her
    assert sent == [(b"%PDF-1.7", "ppal.pdf")]
    assert max(gaps) < 0.05, max(gaps)


def test_the_pool_is_sized_by_bot_workers(tmp_path):
    settings = Settings.from_values({"BOT_WORKERS": "3",
                                     "DATABASE_URL": f"sqlite:///{tmp_path}/w.sqlite3"})
    d = make_deps(settings)
    assert d.db.pool._max_workers == 3
    assert make_deps(Settings.from_values({"BOT_DATA_DIR": str(tmp_path)})).db.pool \
        ._max_workers == 8
    for wrong in ("0", "many", "1000"):
        with pytest.raises(SettingsError, match="BOT_WORKERS"):
            Settings.from_values({"BOT_WORKERS": wrong})


async def test_the_gate_s_lookup_is_the_use_case_s_transaction(db, clock, monkeypatch):
    """An advisor's update: admitted by her use case's identification, in its transaction;
    the gate's guard before the answer then opens none. A stranger's: not admitted, the guard
    runs the gate's own check (which refuses him)."""
    with db.session() as s:
        make_advisor(s, clock, LEA, "Léa Martin")
    begun: list[int] = []
    event.listen(db.engine, "begin", lambda _connection: begun.append(1))
    pooled = Offloaded(db, workers=2)
    checked: list[int] = []

    async def gate_check(update: Any, _context: Any) -> bool:
        checked.append(update.effective_user.id)
        return False

    try:
        her = admission.Admission(_update(LEA, 9), context=None, clock=clock)  # type: ignore[arg-type]
        admission.begin(her)
        await pooled.apply(9, with_actor(her.update, lambda s, actor: actor.id))
        assert her.state is admission.State.ADMITTED and len(begun) == 1
        await gate.guard()  # her answer goes out: no check, no transaction
        assert checked == [] and len(begun) == 1

        him = admission.Admission(_update(999, 10), context=None, clock=clock)  # type: ignore[arg-type]
        admission.begin(him)
        with pytest.raises(Stranger):
            await pooled.apply(10, with_actor(him.update, lambda s, actor: actor.id))
        assert him.state is admission.State.PENDING
        monkeypatch.setattr(gate, "_check", gate_check)
        with pytest.raises(admission.NotAdmitted):
            await gate.guard()
        assert checked == [999] and him.state is admission.State.REFUSED
    finally:
        admission.begin(None)
        pooled.close()
