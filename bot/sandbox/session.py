"""The real Application wired to the in-process Bot API emulator: used by the console and tests.

`Sandbox` starts the bot exactly as production does (initialize, post_init, polling through
getUpdates), only the HTTP requests go to the emulator. `settle()` returns once every update a
user has sent was delivered and fully handled, so a caller can check what the bot did without
sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import time
from collections.abc import Callable

from telegram.ext import Application

from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator
from bot.telegram.app import build_application, on_start, on_stop, start_polling


class FakeClock:
    """Time that moves only when told to: rounds and polls can be timed out without sleeping.

    `wait_until` waits in virtual time (the bot's pacing uses it): when nothing else has work
    to do, the clock jumps to the earliest waiter's time and wakes it, so waits end in order.
    """

    def __init__(self, start: float = 1_760_313_600.0):  # 13 Oct 2025, the ceremony's day
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()
        self._driver: asyncio.Task | None = None

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def wait_until(self, when: float) -> None:
        if when <= self.now:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._order), future))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._wake_in_order())
        await future

    async def _wake_in_order(self) -> None:
        while self._sleepers:
            # Let everything that can run now (database threads included) run first.
            await asyncio.sleep(0.001)
            for _ in range(5):
                await asyncio.sleep(0)
            when, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                self.now = max(self.now, when)
                future.set_result(None)


class Sandbox:
    def __init__(
        self,
        settings: Settings,
        *,
        emulator: BotApiEmulator | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        rate_limiter: bool = True,
        poll_timeout: float = 1.0,
        retry_delays: tuple[float, ...] = (0.01, 0.05),
    ):
        self.clock = clock or (emulator.clock if emulator else time.time)
        self.emu = emulator or BotApiEmulator(clock=self.clock)
        self.settings = settings
        self._rng = rng
        self._rate_limiter = rate_limiter
        self._poll_timeout = poll_timeout
        self._retry_delays = retry_delays
        self.app: Application | None = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> Application:
        """Build and start a fresh Application (a 'process start') over the same emulator."""
        self.app = build_application(
            self.settings,
            token=self.emu.token,
            request=self.emu.request(),
            get_updates_request=self.emu.request(),
            clock=self.clock,
            **({"wait_until": self.clock.wait_until} if isinstance(self.clock, FakeClock) else {}),
            rng=self._rng,
            rate_limiter=self._rate_limiter,
            retry_delays=self._retry_delays,
        )
        await self.app.initialize()
        try:
            await on_start(self.app)
        except BaseException:
            await self.app.shutdown()
            self.app = None
            raise
        await self.app.start()
        await start_polling(self.app, timeout=self._poll_timeout)
        return self.app

    async def stop(self) -> None:
        """A clean stop (SIGTERM): finish in-flight updates, close the database."""
        if self.app is None:
            return
        app, self.app = self.app, None
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await on_stop(app)
        await app.shutdown()

    async def kill(self) -> None:
        """Like kill -9 as far as the database can tell: no shutdown hooks run.

        The task loop must still be torn down inside this process; post_shutdown (which closes
        the store cleanly) is skipped, so only what was committed survives.
        """
        if self.app is None:
            return
        app, self.app = self.app, None
        unfinished = getattr(app.bot, "unfinished", None)
        if unfinished is not None:
            # What had finished is marked done (milliseconds after each reply in a real
            # process); after the kill nothing is: the handlers cancelled below stay in it.
            await unfinished.settle()
            unfinished.journal = None
        abandon = getattr(app.update_processor, "abandon", None)
        if abandon is not None:
            abandon()  # the handlers in hand die with the process
        services = app.bot_data.get("services")
        store = getattr(services, "store", None)
        if store is not None and hasattr(store, "abandon"):
            await store.abandon()
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every update sent so far has been delivered and fully handled."""
        assert self.app is not None, "sandbox not started"
        async with asyncio.timeout(timeout):
            while True:
                await self.emu.updates_drained(timeout)
                await self.app.update_queue.join()
                await asyncio.sleep(0)
                if self.emu.pending_updates == 0 and self.app.update_queue.empty():
                    return

    async def advance(self, seconds: float) -> None:
        """Move the fake clock on, then run the bot's timers that are now due, in order.

        Timers carry their logical deadline in `job.data["deadline"]` (see telegram/play.py), so
        they can be fired by the clock the bot reads rather than by wall time.
        """
        assert self.app is not None and isinstance(self.clock, FakeClock)
        self.clock.advance(seconds)
        await self.settle()
        while True:
            due = [
                job
                for job in self.app.job_queue.jobs()
                if isinstance(job.data, dict)
                and job.data.get("deadline", float("inf")) <= self.clock()
            ]
            if not due:
                return
            for job in sorted(due, key=lambda j: j.data["deadline"]):
                job.schedule_removal()
                await job.run(self.app)
            await self.settle()
