"""The only ingest package that touches kb.models: pipeline values -> rows, rows -> stage input."""

from ingest.store.mail import BatchCounts, Skipped, Store, load_cursor, store_cursor, store_recovered_page

__all__ = ["BatchCounts", "Skipped", "Store", "load_cursor", "store_cursor", "store_recovered_page"]
