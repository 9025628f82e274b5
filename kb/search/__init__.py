"""The whoosh search index: derived from the database, rebuilt by `kb reindex`."""

from kb.search.docs import IndexDoc
from kb.search.index import delete_documents, drop_outdated_index, index_documents, list_indexed, open_index, rebuild_index
from kb.search.searcher import Hit, IndexSearcher, SearchResult, search_index

__all__ = [
    "Hit",
    "IndexDoc",
    "IndexSearcher",
    "SearchResult",
    "delete_documents",
    "drop_outdated_index",
    "index_documents",
    "list_indexed",
    "open_index",
    "rebuild_index",
    "search_index",
]
