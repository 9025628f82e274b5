"""Extraction layer: ThreadText -> ThreadFindings (races, fixes, objections, people).

    from ingest.extract import extract_thread, link_race_histories
"""

from ingest.extract.histories import link_race_histories
from ingest.extract.thread import extract_thread

__all__ = ["extract_thread", "link_race_histories"]
