"""Run a learner's code safely inside a checker: a time limit, SystemExit caught, printing capped.

One learner's endless loop or 5 MB of printing must not stall a class's grading or flood a notebook.
"""

import contextlib
import io
import signal
import sys
import threading

__all__ = ["TookTooLong", "guarded", "limits"]

limits = {"seconds": 30.0, "characters": 5_000}  # per check; tests and teachers may change them


class TookTooLong(BaseException):
    """Raised inside the learner's code when a check runs past its time limit (not an Exception, so
    the learner's own ``except Exception`` cannot swallow it)."""


class _CappedText(io.TextIOBase):
    """A stream that keeps the first ``limit`` characters written to it and counts the rest."""

    def __init__(self, limit):
        self.limit, self.kept, self.dropped = limit, [], 0

    def write(self, text):
        room = self.limit - sum(map(len, self.kept))
        self.kept.append(text[:max(room, 0)])
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def text(self):
        """What was kept, plus a line saying how much was left out."""
        shown = "".join(self.kept)
        return shown + (f"\n... ({self.dropped:,} more characters of printing not shown)\n" if self.dropped else "")


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise TookTooLong in this thread after ``seconds`` (only where signals work: the main thread)."""
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # no signals, or an outer limit runs
        yield
        return

    def stop(signum, frame):
        raise TookTooLong(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def guarded():
    """Run a check's body with the time limit and with the learner's printing capped (shown afterwards)."""
    out = _CappedText(limits["characters"])
    try:
        with _time_limit(limits["seconds"]), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            yield
    finally:
        if out.kept or out.dropped:
            sys.stdout.write(out.text())
