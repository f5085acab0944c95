"""The limit of all chats together serves requests in order of arrival (bot.ratelimit)."""

from __future__ import annotations

import asyncio
import time

from bot.ratelimit import FirstComeLimiter, RateLimiter


async def test_a_request_arriving_as_capacity_frees_does_not_pass_one_waiting() -> None:
    """aiolimiter wakes the first waiter when capacity frees; a request that arrives in that
    loop turn, before the waiter runs, found the capacity and took it, and the waiter went to
    the back of the queue (at Telegram's rate, some answers waited 2.7 times the others)."""
    limiter = FirstComeLimiter(1, 0.1)  # one at once, then one every 100 ms
    await limiter.acquire()
    passed: list[str] = []

    async def request(name: str) -> None:
        async with limiter:
            passed.append(name)

    waiting = asyncio.create_task(request("waiting"))
    await asyncio.sleep(0)  # queued: capacity frees in 100 ms
    loop = asyncio.get_running_loop()
    late: list[asyncio.Task[None]] = []
    loop.call_at(loop.time() + 0.09, lambda: late.append(loop.create_task(request("late"))))
    time.sleep(0.2)  # the loop busy: the newcomer and the waiter's wake-up in one turn
    await asyncio.sleep(0.01)
    await asyncio.gather(waiting, *late)
    assert passed == ["waiting", "late"]


def test_the_bot_s_overall_limit_is_first_come_first_served() -> None:
    limiter = RateLimiter(overall_max_rate=30, max_retries=3)
    assert isinstance(limiter._base_limiter, FirstComeLimiter)
    assert (limiter._base_limiter.max_rate, limiter._base_limiter.time_period) == (30, 1)
    assert RateLimiter(overall_max_rate=0)._base_limiter is None  # no overall limit
