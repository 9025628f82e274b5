"""One query language (lore/public-inbox prefixes + kb's own): parse -> AST -> backends.

`parse_query(text)` gives a `Query`; `kb.query.to_whoosh.compile_whoosh` and
`kb.query.to_sql.compile_sql` turn it into a whoosh query or an SQL WHERE clause.
"""

from kb.query.ast import And, DateRange, Node, Not, Or, Query, Term, format_node, iter_leaves
from kb.query.parse import parse_query

__all__ = ["And", "DateRange", "Node", "Not", "Or", "Query", "Term", "format_node", "iter_leaves",
           "parse_query"]
