"""Long runs (style transfer, live VAE training): the one line they share on a server, and Stop.

The line: one long run at a time (Gradio's queue, concurrency id LINE); once hosting.style_queue() runs wait
behind the running one, Start is refused with "Busy" (line_check), so nobody waits behind a long line.

Stop wins whatever order its request and the run's arrive in.

The page numbers its runs (1, 2, 3… in the order the visitor pressed Start) and Stop names the run it stops: the
number the page is at. The server keeps, per browser session, the highest number stopped; a run whose number is
not above it does not start, and one under way ends before its next VGG pass (genmodels.style's should_stop). So
a Stop that reaches the server before its run (a far-away visitor: Start's requests are still on their way) is
not lost, and a later Start is not stopped by an earlier Stop.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Callable, Iterator

import gradio as gr

from . import hosting

LINE = "long-runs"            # the concurrency id of every long run: style transfer and VAE training take turns
SESSIONS_KEPT = 10_000        # sessions remembered (the oldest forgotten first): a bounded dict on a long-lived server

# the page's counter, in the browser: Start takes the next number, Stop sends the current one
NEXT_RUN_JS = "(...args) => { window.genmodelsRun = (window.genmodelsRun || 0) + 1; " \
              "return [...args.slice(0, -1), window.genmodelsRun]; }"
THIS_RUN_JS = "(...args) => [...args.slice(0, -1), window.genmodelsRun || 0]"


class RunTokens:
    """Per session: the highest run number stopped, and how many runs are under way (for tests and benchmarks)."""

    def __init__(self, kept: int = SESSIONS_KEPT):
        self._stopped: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        self._kept = kept
        self.active = 0

    def stop(self, session: str, run: int) -> None:
        """The visitor pressed Stop while the page was at run number `run`: it, and every earlier one, stop."""
        with self._lock:
            self._stopped[session] = max(run, self._stopped.get(session, 0))
            self._stopped.move_to_end(session)
            while len(self._stopped) > self._kept:
                self._stopped.popitem(last=False)

    def stopped(self, session: str, run: int | None) -> bool:
        """Whether run `run` of `session` was stopped (None: a script's run, which only cancelling ends)."""
        if run is None:
            return False
        with self._lock:
            return run <= self._stopped.get(session, 0)

    def should_stop(self, session: str, run: int | None) -> Callable[[], bool]:
        """What the engine asks before every pass."""
        return lambda: self.stopped(session, run)

    @contextmanager
    def counted(self) -> Iterator[None]:
        """`with tokens.counted():` around a run keeps `active` right."""
        with self._lock:
            self.active += 1
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1


def waiting_runs(demo: gr.Blocks) -> int:
    """Long runs waiting in Gradio's queue behind the running one (its queue for the LINE concurrency id)."""
    events = getattr(getattr(demo, "_queue", None), "event_queue_per_concurrency_id", {}).get(LINE)
    return len(events.queue) if events is not None else 0


def line_full(demo: gr.Blocks) -> str | None:
    """The "Busy" message once the line is full (hosting.style_queue runs waiting), else None."""
    limit, waiting = hosting.style_queue(), waiting_runs(demo)
    if limit is None or waiting < limit:
        return None
    return (f"Busy: {waiting} long run{' is' if waiting == 1 else 's are'} already waiting for this shared server "
            "(style transfer and VAE training take turns). Try again in a minute or two; the other tabs work "
            "meanwhile.")


def line_check(demo: gr.Blocks) -> Callable[[], None]:
    """/admit for scripts (and Start's check): "Busy" once the line is full. (A script that calls /stylize or
    /train directly joins the line whatever its length.)"""
    def check() -> None:
        busy = line_full(demo)
        if busy is not None:
            raise gr.Error(busy, title="Busy")
    return check
