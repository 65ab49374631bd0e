"""One local hub for a test module (tests/test_hub_classroom.py, tests/test_hub_course.py)."""

import asyncio
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_classroom as bc  # noqa: E402  (its Hub and Learner speak to the hub as a browser does)


class Room:
    """A module's hub, its learners, and an event loop in a thread of its own.

    The loop runs in a thread of its own: a test session that also drives a browser has another
    event loop running in the main thread, where a second one cannot run.
    """

    def __init__(self, base, step_timeout, **hub_options):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.base, self.step_timeout = base, step_timeout
        self.hub = bc.Hub(state=base / "state", **hub_options)
        self.learners = []

    def run(self, coro):
        """Run a coroutine in the room's loop, within the step time limit; returns its result."""
        async def bounded():
            return await asyncio.wait_for(coro, self.step_timeout)
        return asyncio.run_coroutine_threadsafe(bounded(), self.loop).result(self.step_timeout + 30)

    def close(self):
        """Stop the room's loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
