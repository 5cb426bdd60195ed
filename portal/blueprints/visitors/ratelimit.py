"""A small sliding-window limit for the public registration page, kept in the
process (no write on a GET). Unknown tokens count far more than known ones, so
guessing links stops after a handful of tries while a visitor fixing a typo in
their form is never held up."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=10)
MAX_REQUESTS = 60  # per address and window, any token
MAX_MISSES = 10  # per address and window, unknown or malformed tokens


class Limiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, deque[datetime]] = defaultdict(deque)
        self._misses: dict[str, deque[datetime]] = defaultdict(deque)

    @staticmethod
    def _trim(times: deque[datetime], now: datetime) -> None:
        while times and times[0] <= now - WINDOW:
            times.popleft()

    def allowed(self, address: str, now: datetime) -> bool:
        with self._lock:
            hits, misses = self._hits[address], self._misses[address]
            self._trim(hits, now)
            self._trim(misses, now)
            if len(hits) >= MAX_REQUESTS or len(misses) >= MAX_MISSES:
                return False
            hits.append(now)
            return True

    def miss(self, address: str, now: datetime) -> None:
        with self._lock:
            self._misses[address].append(now)
