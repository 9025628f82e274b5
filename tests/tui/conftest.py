"""One KB for the TUI tests (seed pages + a hostile mbox, built by the real pipeline) and pilot helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.tui.hostile import make_mbox

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "data" / "seeds"
MEL_SEED = "002_724bcb3cc4354858.txt"


@pytest.fixture(scope="session")
def kb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from ingest.pipeline import run_ingest
    from kb.config import load_settings
    from kb.library import Library

    tmp = tmp_path_factory.mktemp("tui-kb")
    url = f"sqlite:///{tmp / 'kb.sqlite'}"
    library = Library(load_settings(url, str(tmp / "index")))
    index = library.settings.index_dir
    run_ingest(library.factory, [str(SEEDS)], "seed", workers=0, index_dir=index)
    run_ingest(library.factory, [str(make_mbox(tmp))], "hostile", workers=0, index_dir=index)
    return url


@pytest.fixture(scope="session")
def library(kb_url: str) -> Any:
    from kb.config import load_settings
    from kb.library import Library

    return Library(load_settings(kb_url, str(Path(kb_url.removeprefix("sqlite:///")).parent / "index")))


def find_race(library: Any, words: str) -> Any:
    """The race whose summary or thread subject contains `words`."""
    for history in library.list_histories():
        for race in history.races:
            if words.lower() in f"{race.summary} {race.thread_subject}".lower():
                return race
    raise AssertionError(f"no race about {words!r}")


def run_pilot(app: Any, script: Callable[[Any], Awaitable[None]], size: tuple[int, int] = (160, 50)) -> None:
    """Run `script(pilot)` against the app in a test harness."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await script(pilot)

    asyncio.run(main())


async def wait_for(pilot: Any, predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Pause until predicate() is true (workers run in threads); fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # widgets not mounted yet
            pass
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {getattr(predicate, '__name__', predicate)}")


def list_prompts(widget: Any) -> list[str]:
    """The plain text of every option of an OptionList."""
    return [getattr(o.prompt, "plain", str(o.prompt)) for o in widget.options]


def static_text(widget: Any) -> str:
    """What a Static shows, as plain text."""
    content = widget.content if hasattr(widget, "content") else widget.renderable
    return str(getattr(content, "plain", content))
