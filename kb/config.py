"""Settings: where the database and the search index live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ConfigError

ENV_DB = "KB_DB"
ENV_INDEX = "KB_INDEX"


def find_data_home() -> Path:
    """kb's XDG data directory ($XDG_DATA_HOME/kb, else ~/.local/share/kb)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kb"


def find_bundled_data() -> Path:
    """The bundled data/ directory (seeds, scenario library, patterns)."""
    return Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Settings:
    db_url: str
    index_dir: Path

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")


def load_settings(db: str | None = None, index: str | None = None) -> Settings:
    """Settings from arguments, then KB_DB / KB_INDEX, then XDG defaults."""
    url = db or os.environ.get(ENV_DB)
    if url and "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    if not url:
        home = find_data_home()
        url = f"sqlite:///{home / 'kb.sqlite'}"
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ConfigError(f"unsupported database URL {url!r} (use sqlite:///PATH or postgresql+psycopg://...)", place="--db")
    index_dir = Path(index or os.environ.get(ENV_INDEX) or find_default_index_dir(url))
    return Settings(db_url=url, index_dir=index_dir)


def find_default_index_dir(url: str) -> Path:
    """Beside a SQLite file (kb.sqlite -> kb.index/); under the data home for servers."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url[len("sqlite:///"):])
        return path.with_suffix(".index")
    import hashlib

    digest = hashlib.sha1(url.encode()).hexdigest()[:12]
    return find_data_home() / f"index-{digest}"
