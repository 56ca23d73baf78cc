"""Finding a user's memories by their words, inside the database.

SQLite: the FTS5 table `memories_fts` (BM25, Porter stemming), searched with the owner's
token ANDed in, so the index itself never leaves the user. PostgreSQL: the GIN index on
the stored English tsvector (ranked with ts_rank_cd, PostgreSQL having no BM25; a
memory's own words weigh A, the turn it answered B). Other
databases have no lexical search, and recall falls back to meaning alone.

Only the question's content words are searched for, ORed: a memory that shares the rare
words of a question ranks first whichever other words it lacks.
"""

from __future__ import annotations

import re
from importlib.resources import files

from sqlalchemy import text
from sqlalchemy.orm import Session

# Function words that every memory shares: searching for them only adds noise.
STOPWORDS = frozenset(
    line.strip()
    for line in (files("resonant.text") / "stopwords.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
MAX_TERMS = 32
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def query_terms(query: str) -> list[str]:
    """The distinct content words of `query`, lowercased, in order (at most MAX_TERMS)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        if word not in STOPWORDS and len(seen) < MAX_TERMS:
            seen.setdefault(word.replace("'", ""), None)
    return list(seen)


def owner_token(user_id: str) -> str:
    """The FTS5 owner column's value for a user (what SQLite's `'u' || hex(id)` gives)."""
    return "u" + user_id.encode("utf-8").hex().upper()


def lexical_search(
    session: Session, user_id: str, query: str, limit: int, context_weight: float
) -> dict[int, float]:
    """The user's memories that share words with `query`: id -> relevance (higher is
    better), at most `limit` of the best. Words found in the turn a memory answered count
    `context_weight` as much as its own."""
    terms = query_terms(query)
    if not terms:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        words = " OR ".join(f'"{term}"' for term in terms)
        match = f'owner:"{owner_token(user_id)}" AND {{body context}}:({words})'
        rows = session.execute(
            text(
                "SELECT rowid, bm25(memories_fts, 0.0, 1.0, :context) AS rank FROM memories_fts "
                "WHERE memories_fts MATCH :match ORDER BY rank LIMIT :limit"
            ),
            {"match": match, "limit": limit, "context": context_weight},
        )
        # FTS5's bm25() is negated so that ascending order is best first.
        return {int(row[0]): -float(row[1]) for row in rows}
    if dialect == "postgresql":
        rows = session.execute(
            text(
                "SELECT id, ts_rank_cd(CAST(:weights AS real[]), search_vector, q) AS rank "
                "FROM memories, to_tsquery('english', :query) AS q "
                "WHERE user_id = :user AND search_vector @@ q "
                "ORDER BY rank DESC, id DESC LIMIT :limit"
            ),
            # Each term quoted as a phrase: no word can inject tsquery operators.
            {
                "query": " | ".join(f"'{term}'" for term in terms),
                "user": user_id,
                "limit": limit,
                # Weights of the D, C, B (context) and A (own words) labels.
                "weights": [0.0, 0.0, context_weight, 1.0],
            },
        )
        return {int(row[0]): float(row[1]) for row in rows}
    return {}
