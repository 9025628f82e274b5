"""How far an ingest is, for people: a rich line per stage on a terminal, a plain line on
stderr every KB_PROGRESS_INTERVAL seconds (10 by default) otherwise, nothing with --quiet."""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TextIO

ENV_INTERVAL = "KB_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0


@dataclass
class StageState:
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int | None = None
    finished: bool = False


def describe(stage: str, state: StageState, now: float) -> str:
    """`extract 1200/4000, 85.0/s, ETA 33 s, 14 s` (what is known of it)."""
    spent = max(now - state.started, 1e-9)
    parts = [f"{stage} {state.done}" + (f"/{state.total}" if state.total is not None else "")]
    if state.done:
        rate = state.done / spent
        parts.append(f"{rate:.1f}/s")
        if state.total is not None and not state.finished:
            parts.append(f"ETA {max(state.total - state.done, 0) / rate:.0f} s")
    parts.append(f"{spent:.0f} s" + (" done" if state.finished else ""))
    return ", ".join(parts)


class PlainProgress:
    """A line on `stream` every `interval` seconds naming the running stage and its counts."""

    def __init__(self, stream: TextIO, interval: float) -> None:
        self.stream, self.interval = stream, interval
        self.stages: dict[str, StageState] = {}
        self.current = ""
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ticker = threading.Thread(target=self.tick, name="kb-progress", daemon=True)

    def __enter__(self) -> PlainProgress:
        self.ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.ticker.join()

    def tick(self) -> None:
        while not self.stop.wait(self.interval):
            with self.lock:
                if self.current:
                    line = describe(self.current, self.stages[self.current], time.monotonic())
                    print(f"kb: ingest: {line}", file=self.stream, flush=True)

    def start(self, stage: str) -> None:
        with self.lock:
            self.stages[stage] = StageState()
            if not self.current or self.stages[self.current].finished:
                self.current = stage

    def advance(self, stage: str, done: int, total: int | None = None) -> None:
        with self.lock:
            state = self.stages.setdefault(stage, StageState())
            state.done, state.total = done, total if total is not None else state.total
            self.current = stage

    def finish(self, stage: str) -> None:
        with self.lock:
            self.stages.setdefault(stage, StageState()).finished = True


class RichProgress:
    """One rich progress line per stage: n/N, rate, ETA and time spent."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description:<15}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True))
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def start(self, stage: str) -> None:
        self.tasks[stage] = self.bar.add_task(stage, total=None, rate="")

    def advance(self, stage: str, done: int, total: int | None = None) -> None:
        task = self.tasks.get(stage)
        if task is None:
            task = self.tasks[stage] = self.bar.add_task(stage, total=None, rate="")
        elapsed = self.bar.tasks[task].elapsed or 0.0
        rate = f"{done / elapsed:.1f}/s" if elapsed > 0 and done else ""
        self.bar.update(task, completed=done, rate=rate, **({"total": total} if total is not None else {}))

    def finish(self, stage: str) -> None:
        task = self.tasks.get(stage)
        if task is not None:
            done = self.bar.tasks[task].completed
            self.bar.update(task, total=done or 1, completed=done or 1)


def make_progress(quiet: bool, stream: TextIO | None = None) -> AbstractContextManager[Any]:
    """The progress display that suits where stderr goes (None when quiet)."""
    stream = stream or sys.stderr
    if quiet:
        return nullcontext(None)
    if stream.isatty():
        return RichProgress()
    try:
        interval = float(os.environ.get(ENV_INTERVAL, DEFAULT_INTERVAL))
    except ValueError:
        interval = DEFAULT_INTERVAL
    return PlainProgress(stream, max(interval, 0.05))
