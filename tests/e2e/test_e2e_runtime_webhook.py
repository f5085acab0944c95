"""`hlm-bot run --webhook`: one instance, then two behind a round-robin proxy on PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from flows import diagnostic_rest, diagnostic_until_budget, make_bot, open_household

SECRET = "s3cret-for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_bot(tg: Any, tmp_path: Path, port: int, url: str) -> Any:
    return make_bot(tg, tmp_path, "--webhook", WEBHOOK_URL=url,
                    WEBHOOK_LISTEN=f"127.0.0.1:{port}", WEBHOOK_SECRET=SECRET)


async def listening(port: int, timeout: float = 30) -> None:
    """An instance that finds the webhook set makes no setWebhook: wait for its port."""
    for _ in range(int(timeout * 10)):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on {port}")


class RoundRobin:
    """A load balancer: each request to the next instance; one that is down gives 502."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.next = itertools.cycle(ports)
        self.served: Counter[int] = Counter()
        self.port = free_port()

    async def forward(self, request: web.Request) -> web.Response:
        port = next(self.next)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        try:
            async with aiohttp.ClientSession() as session, session.post(
                    f"http://127.0.0.1:{port}{request.path}", data=body,
                    headers=headers) as answer:
                self.served[port] += answer.status == 200
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502)

    async def __aenter__(self) -> RoundRobin:
        app = web.Application()
        app.router.add_post("/{path:.*}", self.forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.runner.cleanup()


QUESTIONS = [r"Nationalité", r"Loyer actuel", r"Charges locatives", r"Aide au logement",
             r"Remboursements", r"Gestion du budget", r"Mobilité", r"Typologie", r"Stratégie"]


def asked(user: Any) -> Counter[str]:
    """How many times each question of the diagnostic came (sent, not edited; the summary,
    which names them all, left out)."""
    return Counter(q for m in user.history for q in QUESTIONS
                   if m.method == "sendMessage" and "résumé" not in m.text
                   and re.search(q, m.text))


async def test_webhook_answers_only_with_the_secret_and_runs_a_form(tg, tmp_path, admin):
    port = free_port()
    bot = webhook_bot(tg, tmp_path, port, f"http://127.0.0.1:{port}/tg")
    await bot.start()  # returns on the setWebhook
    assert tg.webhook.url == f"http://127.0.0.1:{port}/tg"
    assert tg.webhook.secret_token == SECRET
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with session.post(f"http://127.0.0.1:{port}/tg", json={"update_id": 1},
                                    headers=headers) as answer:
                assert answer.status == 403
    await open_household(admin)
    await admin.click(r"Diagnostic")
    await admin.expect(r"Nationalité")
    await diagnostic_until_budget(admin)
    await admin.expect(r"Taux d'effort")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == [] and tg.unknown_methods == []
    # Restarted, it finds the webhook set and leaves it (no second setWebhook).
    await bot.terminate(grace=10)
    assert "Traceback" not in bot.log_text()
    calls = len(tg.calls_to("setWebhook"))
    await bot.start(wait_ready=False)
    await listening(port)
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    assert len(tg.calls_to("setWebhook")) == calls
    await bot.terminate(grace=10)


@pytest.fixture
async def two_instances(tg: Any, tmp_path: Path, postgres_database: str,
                        monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Any, ...]]:
    from flows import DATABASE_URL_VARIABLE

    monkeypatch.setenv(DATABASE_URL_VARIABLE, postgres_database)
    ports = [free_port(), free_port()]
    async with RoundRobin(ports) as proxy:
        url = f"http://127.0.0.1:{proxy.port}/tg"
        first = webhook_bot(tg, tmp_path, ports[0], url)
        second = webhook_bot(tg, tmp_path, ports[1], url)
        await first.start()
        await second.start(wait_ready=False)
        await listening(ports[1])
        yield proxy, first, second
        for instance in (first, second):
            if instance.running:
                await instance.terminate(grace=10)


async def test_two_instances_alternate_on_one_form_losing_and_doubling_nothing(
        tg, admin, two_instances):
    proxy = two_instances[0]
    assert len(tg.calls_to("setWebhook")) == 1  # the second one left it
    reference = await open_household(admin)
    await admin.click(r"Diagnostic")
    await admin.expect(r"Nationalité")
    await diagnostic_until_budget(admin)
    await admin.expect(r"Taux d'effort")
    await diagnostic_rest(admin)
    await admin.expect(r"résumé")
    await admin.click(r"Confirmer")
    await admin.expect(rf"Diagnostic de {reference} .* enregistré")
    await tg.wait_idle(quiet=1)
    assert min(proxy.served.values()) > 20  # both instances answered, in turn
    assert all(u.confirmed for u in tg.updates)  # each answered 200 once handled
    assert set(asked(admin).values()) == {1}, asked(admin)  # none lost, none twice
    await tg.assert_all_callbacks_answered()
    assert tg.errors == [] and tg.unknown_methods == []


async def test_one_instance_killed_mid_form_the_other_goes_on(tg, admin, two_instances):
    proxy, first, second = two_instances
    await open_household(admin)
    await admin.click(r"Diagnostic")
    await admin.expect(r"Nationalité")
    # Killed between two answers (killed while its answer is on the way, the update comes
    # again to the other one, which shows the form's current question again: the handlers'
    # way with a redelivered update, see handlers.forms.resume_current).
    await tg.wait_idle(quiet=0.3)
    await second.kill()  # the proxy's requests to it fail: Telegram delivers them again
    await diagnostic_until_budget(admin)
    budget = await admin.expect(r"Taux d'effort")
    assert "27,3 %" in budget.text
    await tg.wait_idle(quiet=0.3)
    await first.kill()
    await second.start(wait_ready=False)
    await listening(proxy.ports[1])
    await diagnostic_rest(admin)
    await admin.expect(r"résumé")
    await tg.wait_idle(quiet=1)
    assert all(u.confirmed for u in tg.updates)
    assert set(asked(admin).values()) == {1}, asked(admin)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
