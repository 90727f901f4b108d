"""What a session makes that is too large for Gradio's session state (a trained VAE, ~2 MB): kept here, under a
random token that the session's gr.State holds, for a bounded time and count, whatever becomes of the session.

Gradio keeps a closed session's state for an hour whatever its time to live, and a script can open sessions
faster than they expire; this store drops a value `seconds` after it was last set, and the oldest first once it
holds `most` (hosting.kept_seconds(), hosting.kept_most()), so its memory is bounded by `most` values.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class Kept:
    """A bounded store of per-session values, by token."""

    def __init__(self, most: Callable[[], int], seconds: Callable[[], float | None]):
        self._most, self._seconds = most, seconds
        self._values: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def token() -> str:
        """A new token: nothing another visitor could guess."""
        return secrets.token_urlsafe(16)

    def set(self, token: str, value: Any) -> str:
        """Keep `value` under `token` (the newest now); the token."""
        with self._lock:
            self._values[token] = (time.monotonic(), value)
            self._values.move_to_end(token)
            self._drop_old()
        return token

    def get(self, token: str | None) -> Any | None:
        """The value kept under `token`, or None (never set, expired or dropped)."""
        if not token:
            return None
        with self._lock:
            self._drop_old()
            kept = self._values.get(token)
        return None if kept is None else kept[1]

    def sweep(self) -> int:
        """Drop what is due now (get and set do it too); how many values went."""
        with self._lock:
            before = len(self._values)
            self._drop_old()
            return before - len(self._values)

    def __len__(self) -> int:
        with self._lock:
            self._drop_old()
            return len(self._values)

    def _drop_old(self) -> None:
        seconds, now = self._seconds(), time.monotonic()
        while self._values and (len(self._values) > self._most() or
                                (seconds is not None and now - next(iter(self._values.values()))[0] > seconds)):
            self._values.popitem(last=False)
