"""Failed sign-ins counted per user name and per client address, in memory, over a sliding window.

In memory on purpose: the counts live as long as the server process (a restart forgets them) and are not shared
between servers; ipe serves a team from one process, and a store round trip per failure would let a guessing run
load the database. Only failures count, so a user who signs in correctly is never slowed down by the limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable, Hashable

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0


class FailureLimit:
    """At most ``limit`` failures per key in any ``window`` seconds; then :meth:`retry_after` says how long to wait.

    >>> clock = iter(range(100)).__next__
    >>> limit = FailureLimit(limit=2, window=10, clock=clock)
    >>> limit.fail("ana"); limit.fail("ana")
    >>> limit.retry_after("ana")
    8
    >>> limit.retry_after("ben")
    0
    """

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[Hashable, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> deque:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def fail(self, key: Hashable) -> None:
        """Count one failure for ``key``."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times

    def clear(self, key: Hashable) -> None:
        """Forget ``key``'s failures (after a correct sign-in under that name)."""
        with self._lock:
            self._failures.pop(key, None)

    def retry_after(self, key: Hashable) -> int:
        """Whole seconds until ``key`` may try again (0: it may try now)."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[-self.limit] + self.window - now))
