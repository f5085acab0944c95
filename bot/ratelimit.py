"""PTB's AIORateLimiter, with a way to say "no retry" for one call.

AIORateLimiter waits out a 429 and retries; while it waits, it holds *every* request of the
bot (`_retry_after_event`), whatever the chat. That is right for an advisor's answer, wrong
for a refusal to a stranger who floods the bot: his 429 would stall everyone. PTB reads
`rate_limit_args=0` as "the default", so `NO_RETRY` is honoured here: the call goes straight
to Telegram and a 429 reaches the caller at once.

Every call to Telegram passes here, which makes it the place of one more rule: `guard` (the
gate's, handlers.admission) may stop a call made for an update whose sender is not admitted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

NO_RETRY = 0


class FirstComeLimiter(AsyncLimiter):
    """aiolimiter's leaky bucket, served in order of arrival. AsyncLimiter lets a request that
    arrives just as capacity frees pass before those already waiting, and the waiter goes to the
    back: at Telegram's rate, some advisors' answers waited 2.7 times the others'. Here a
    newcomer queues behind them."""

    def __init__(self, max_rate: float, time_period: float = 60) -> None:
        super().__init__(max_rate, time_period)
        self._turn = asyncio.Lock()  # asyncio's locks are taken in order of arrival

    async def acquire(self, amount: float = 1) -> None:
        async with self._turn:
            await super().acquire(amount)


class RateLimiter(AIORateLimiter):
    def __init__(self, *args: Any, guard: Callable[[], Awaitable[None]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        # The limit of all chats together (Telegram's ~30 a second), first come first served.
        if self._base_limiter is not None:
            self._base_limiter = FirstComeLimiter(self._base_limiter.max_rate,
                                                  self._base_limiter.time_period)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if self.guard is not None:
            await self.guard()
        if rate_limit_args == NO_RETRY:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                             rate_limit_args)
