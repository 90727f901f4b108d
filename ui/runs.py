"""Long runs (style transfer, live VAE training): the one line they share on a server, and Stop.

The line (Line): one long run at a time on a CPU or a dedicated GPU, any number under ZeroGPU; once
hosting.long_run_queue() runs wait behind the running one, a new run is refused with "Busy", so nobody waits behind a
long line. The limits hold where a run joins (under a lock), for the page and scripts alike; one run per session.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import gradio as gr

from . import hosting

LINE = "long-runs"            # the concurrency id of every long run: style transfer and VAE training take turns
WAIT_POLL = 0.5               # a waiting run tells its place this often
ONE_PER_SESSION = ("Busy: a run of yours is already in the line (style transfer and VAE training take turns); "
                   "stop it, or wait for it to end, before starting another.")
SESSIONS_KEPT = 10_000        # sessions remembered (the oldest forgotten first): a bounded dict on a long-lived server

# the page's counter, in the browser: Start takes the next number, Stop sends the current one
NEXT_RUN_JS = "(...args) => [...args.slice(0, -1), Genmodels.page.nextRun()]"
THIS_RUN_JS = "(...args) => [...args.slice(0, -1), Genmodels.page.thisRun()]"


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


@dataclass(eq=False)
class Ticket:
    """A run's place in the line."""
    session: str
    stop: Callable[[], bool]


class Line:
    """The one line of long runs, kept by the app itself (not Gradio's queue) so that its limits hold at the moment
    a run joins, under one lock, for the page and for scripts alike: at most hosting.line_running() runs at once
    (None under ZeroGPU: every visitor's call gets its own GPU slice) and hosting.long_run_queue() waiting behind them;
    one run per session (a stopped run of the session makes way for its next)."""

    def __init__(self) -> None:
        self._tickets: list[Ticket] = []
        self._changed = threading.Condition()

    def _ahead(self, ticket: Ticket) -> int:
        """Runs that must finish before this one starts (0: its turn)."""
        running = hosting.line_running()
        return 0 if running is None else max(0, self._tickets.index(ticket) - running + 1)

    def _busy(self) -> str | None:
        running, limit = hosting.line_running(), hosting.long_run_queue()
        if running is None or limit is None:
            return None
        waiting = max(0, len(self._tickets) - running)
        if waiting < limit:
            return None
        return (f"Busy: {waiting} long run{' is' if waiting == 1 else 's are'} already waiting for this shared "
                "server (style transfer and VAE training take turns). Try again in a minute or two; the other "
                "tabs work meanwhile.")

    def full(self) -> str | None:
        """The "Busy" message once the line is full, else None."""
        with self._changed:
            return self._busy()

    def waiting(self) -> int:
        """Runs waiting for their turn."""
        with self._changed:
            return sum(self._ahead(t) > 0 for t in self._tickets)

    def __len__(self) -> int:
        with self._changed:
            return len(self._tickets)

    def join(self, session: str, stop: Callable[[], bool] = lambda: False) -> Ticket:
        """A place in the line, or ValueError with the sentence the visitor reads (a full line; a run of this
        session already in it)."""
        with self._changed:
            self._tickets = [t for t in self._tickets if not (t.session == session and t.stop())]
            if session and any(t.session == session for t in self._tickets):
                raise ValueError(ONE_PER_SESSION)
            busy = self._busy()
            if busy is not None:
                raise ValueError(busy)
            ticket = Ticket(session, stop)
            self._tickets.append(ticket)
            return ticket

    def leave(self, ticket: Ticket) -> None:
        with self._changed:
            if ticket in self._tickets:
                self._tickets.remove(ticket)
            self._changed.notify_all()

    def turn(self, ticket: Ticket, most: float = WAIT_POLL) -> int:
        """Wait up to `most` seconds for the ticket's turn; how many runs are still ahead of it (0: go)."""
        with self._changed:
            self._changed.wait_for(lambda: ticket not in self._tickets or self._ahead(ticket) == 0, most)
            return self._ahead(ticket) if ticket in self._tickets else 0

    def queued(self, ticket: Ticket) -> Iterator[int]:
        """While the ticket waits: how many runs are ahead of it, about twice a second (a generator, so that a
        streamed handler yields between looks and Stop, which closes it, is heard). Ends at its turn or a stop."""
        while not ticket.stop():
            ahead = self.turn(ticket)
            if ahead == 0:
                return
            yield ahead


LONG_RUNS = Line()           # style transfer and VAE training, every visitor and script


def waiting_runs(demo: gr.Blocks | None = None) -> int:
    """Long runs waiting behind the running ones."""
    return LONG_RUNS.waiting()


def line_full(demo: gr.Blocks | None = None) -> str | None:
    """The "Busy" message once the line is full (hosting.long_run_queue runs waiting), else None."""
    return LONG_RUNS.full()


def line_check(demo: gr.Blocks | None = None) -> Callable[[], None]:
    """/admit for scripts (and Start's first check, before the run joins): "Busy" once the line is full. The
    limit holds where a run joins the line too (Line.join), whoever calls."""
    def check() -> None:
        busy = line_full()
        if busy is not None:
            raise gr.Error(busy, title="Busy")
    return check


def waiting_line(ahead: int) -> str:
    """The status line while a run waits its turn."""
    runs, end = ("run", "it ends") if ahead == 1 else ("runs", "they end")
    return (f"**Waiting**: {ahead} long {runs} ahead of yours (style transfer and VAE training take turns on this "
            f"shared server); yours starts when {end}.")
